import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { acceptsGzip } from './accept-encoding';

describe('acceptsGzip (Accept-Encoding, RFC 9110 §12.5.3)', () => {
  it.each([
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['x-gzip', true],
    ['*', true],
    ['GZIP', true],
    ['gzip;q=0', false],
    ['*, gzip;q=0', false],
    ['gzip;q=0, *', false],
    ['identity', false],
    ['deflate, br', false],
    ['*;q=0', false],
    ['gzip;q=nonsense', false],
    ['', false],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('no header means identity only', () => {
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it('an explicit gzip quality decides, whatever else the list holds', () => {
    const token = fc.constantFrom('br', 'deflate', 'identity', 'zstd', '*');
    fc.assert(fc.property(fc.array(token), fc.array(token), fc.double({ min: 0, max: 1, noNaN: true }), (before, after, q) => {
      const header = [...before, `gzip;q=${q.toFixed(3)}`, ...after].join(', ');
      expect(acceptsGzip(header)).toBe(Number(q.toFixed(3)) > 0);
    }));
  });
});
