import { describe, expect, it } from 'vitest';
import { formatPlacement, parsePlacement } from './placement';

describe('placement output', () => {
  it('prints the counts per rule and where each instance runs', () => {
    const e = parsePlacement({
      app: 'web', registered: true, target: 3, placed: 1, totalNodes: 12000, eligible: 0,
      ruledOut: [{ rule: 'geolocation', label: 'outside the allowed geolocation', nodes: 9412 }, { rule: 'ram', label: 'without free RAM', nodes: 2588 }],
      instances: [{ nodeId: 'n1', ip: '10.0.0.1', tier: 'CUMULUS', location: 'EU_CZ_Prague', status: 'running', specHash: 'h', reason: 'instance 1 of 3' }],
      wouldPlace: [], wouldRelease: [], problems: [], summary: 's',
    });
    expect(formatPlacement(e)).toBe([
      'web: 1 of 3 instances placed',
      '0 of 12,000 nodes could take another instance; ruled out:',
      '  9,412  outside the allowed geolocation',
      '  2,588  without free RAM',
      'instances:',
      '  10.0.0.1  CUMULUS  EU_CZ_Prague  running  (instance 1 of 3)',
    ].join('\n'));
  });

  it('names what is wrong with a malformed answer', () => {
    expect(() => parsePlacement({ app: 'x' })).toThrow(/registered/);
  });
});
