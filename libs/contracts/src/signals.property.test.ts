import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HeartbeatSignal, parseHeartbeat } from './index';

/** Instants around the edges the fast check draws: any year, month, day, hour… some out of range. */
const instant = fc.tuple(
  fc.integer({ min: 1990, max: 2110 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
  fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }),
  fc.constantFrom('.123', '', '.5', '.123456'), fc.constantFrom('Z', '+00:00', ''),
).map(([y, mo, d, h, mi, s, frac, zone]) => {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${frac}${zone}`;
});

const heartbeatLike = fc.record({
  nodeId: fc.oneof(fc.string({ maxLength: 150 }), fc.constant(''), fc.integer()),
  ip: fc.oneof(fc.ipV4(), fc.string({ maxLength: 70 })),
  at: fc.oneof(instant, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
}, { requiredKeys: [] });

const anyValue = fc.oneof(
  heartbeatLike,
  heartbeatLike.chain((h) => fc.record({ extra: fc.jsonValue() }).map((x) => ({ ...h, ...x }))),
  fc.jsonValue(),
);

describe('parseHeartbeat', () => {
  it('answers what HeartbeatSignal.safeParse answers, for any value', () => {
    fc.assert(fc.property(anyValue, (v) => {
      const fast = parseHeartbeat(v);
      const schema = HeartbeatSignal.safeParse(v);
      expect(fast.success).toBe(schema.success);
      if (fast.success && schema.success) expect(fast.data).toEqual(schema.data);
    }), { numRuns: 5000 });
  });

  it('takes a heartbeat as agents send it, and names what is wrong with a bad one', () => {
    const good = { nodeId: 'a'.repeat(64) + ':0', ip: '10.1.2.3', at: new Date().toISOString() };
    expect(parseHeartbeat(good)).toEqual({ success: true, data: good });
    const bad = parseHeartbeat({ ...good, at: '2026-02-30T00:00:00.000Z' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['at']);
    expect(parseHeartbeat({ ...good, nodeId: '' }).error?.issues[0]?.path).toEqual(['nodeId']);
  });
});
