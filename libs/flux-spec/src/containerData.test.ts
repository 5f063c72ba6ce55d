import { describe, expect, it } from 'vitest';
import { parseContainerData, syncModeOf, tryParseContainerData } from './containerData';
import { geolocationAllows, parseGeolocationEntry } from './geolocation';

describe('parseContainerData', () => {
  it('parses a plain path', () => {
    const r = parseContainerData('/data');
    expect(r.primary).toMatchObject({ kind: 'primary', containerPath: '/data', subdir: 'appdata' });
    expect(r.syncMode).toBeNull();
  });

  it('parses flags and extra mounts', () => {
    const r = parseContainerData('g:/data|m:logs:/var/log|f:app.yaml:/etc/app.yaml|0:/shared|c:1:cache:/cache|cf:1:cert.pem:/etc/cert.pem');
    expect(r.flags).toEqual(['g']);
    expect(r.syncMode).toBe('g');
    expect(r.additional.map((m) => m.kind)).toEqual(['directory', 'file', 'componentPrimary', 'componentDirectory', 'componentFile']);
    expect(r.additional[3]).toMatchObject({ componentIndex: 1, subdir: 'cache', containerPath: '/cache' });
  });

  it('derives sync mode with g > r > s', () => {
    expect(syncModeOf('rs:/d')).toBe('r');
    expect(syncModeOf('s:/d')).toBe('s');
    expect(syncModeOf('gr:/d')).toBe('g');
    expect(syncModeOf('x:/d')).toBeNull();
  });

  it('rejects bad syntax', () => {
    for (const bad of ['x:/data', 'logs:/data', 'data', '/data|g:/other', '/data|m:appdata:/x', '/a|m:l:/a', '/a|m:l:/b|f:l:/c', '/a/../b', '', 'g:', '/a|c:x:s:/b']) {
      expect(tryParseContainerData(bad).ok, bad).toBe(false);
    }
    expect(() => parseContainerData('x:/data')).toThrow(/containerData/);
  });
});

describe('geolocation', () => {
  it('parses allowed, forbidden and legacy forms', () => {
    for (const ok of ['acEU', 'acEU_CZ', 'acEU_CZ_Prague', 'acALL', 'acEU_ALL', 'acEU_CZ_ALL', 'a!cEU', 'a!cNA_US', 'aEU', 'bCZ']) {
      expect(parseGeolocationEntry(ok), ok).not.toBeNull();
    }
    for (const bad of ['EU', 'acXX', 'acEU_cz', 'acALL_CZ', 'a!c', 'aXX', 'b1Z', 'acEU_CZ_R_X']) {
      expect(parseGeolocationEntry(bad), bad).toBeNull();
    }
    expect(parseGeolocationEntry('a!cEU')!.include).toBe(false);
  });

  it('matches node locations', () => {
    expect(geolocationAllows([], 'EU_CZ_Prague')).toBe(true);
    expect(geolocationAllows(['acEU'], 'EU_CZ_Prague')).toBe(true);
    expect(geolocationAllows(['acNA'], 'EU_CZ_Prague')).toBe(false);
    expect(geolocationAllows(['acEU', 'a!cEU_CZ'], 'EU_CZ_Prague')).toBe(false);
    expect(geolocationAllows(['acEU_CZ_Prague'], 'EU_CZ_Prague')).toBe(true);
    expect(geolocationAllows(['bCZ'], 'EU_CZ_Brno')).toBe(true);
  });
});
