import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { afterAnnouncements, announcements, instanceKey, type Announced, type ServerLife } from './instance-announcements';
import { desiredRoutes } from './desired-routes';
import type { RoutableInstance } from './routing-state';

const D = 'example.test';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const inst = (nodeId: string, ip: string, over: Partial<RoutableInstance> = {}): RoutableInstance => ({ app: 'demo', nodeId, ip, ports: [], running: true, specHash: A, scheduledHash: A, ...over });
const tableOf = (instances: RoutableInstance[]) => desiredRoutes({ apps: [{ name: 'demo', ports: [31000, 31001] }], instances }, D);
const live = (entries: Array<[string, Partial<ServerLife>]>) => new Map(entries.map(([k, v]) => [k, { serving: false, carrying: false, ...v }]));
const both = (ip: string) => [`be_demo_31000/${ip}:31000`, `be_demo_31001/${ip}:31001`];

describe('announcements', () => {
  it('routes an instance once every server of it is up, and only once per spec', () => {
    const table = tableOf([inst('n1', '127.0.0.2')]);
    const [p0, p1] = both('127.0.0.2');
    expect(announcements(table, live([[p0!, { serving: true, carrying: true }], [p1!, {}]]), new Map())).toEqual([]);
    const up = live([[p0!, { serving: true, carrying: true }], [p1!, { serving: true, carrying: true }]]);
    const first = announcements(table, up, new Map());
    expect(first).toEqual([{ type: 'InstanceRouted', app: 'demo', nodeId: 'n1', specHash: A, servers: [p0, p1] }]);
    const routed = new Map<string, Announced>();
    afterAnnouncements(routed, first);
    expect(announcements(table, up, routed)).toEqual([]);
  });

  it('drains an instance placed again with another spec: it leaves the routes, and is drained once no server carries requests', () => {
    const routed = new Map<string, Announced>([[instanceKey({ app: 'demo', nodeId: 'n1' }), { app: 'demo', nodeId: 'n1', specHash: A, servers: both('127.0.0.2') }]]);
    const replacing = tableOf([inst('n1', '127.0.0.2', { scheduledHash: B })]);
    expect(replacing.backends.every((b) => b.servers.length === 0)).toBe(true);
    const [p0, p1] = both('127.0.0.2');
    expect(announcements(replacing, live([[p0!, { carrying: true }], [p1!, {}]]), routed)).toEqual([]);
    expect(announcements(replacing, live([[p0!, {}]]), routed)).toEqual([{ type: 'InstanceDrained', app: 'demo', nodeId: 'n1', specHash: A, servers: both('127.0.0.2'), cut: false }]);
    expect(announcements(replacing, live([[p0!, { cut: true }]]), routed)).toMatchObject([{ type: 'InstanceDrained', cut: true }]);
  });

  it('property: an instance is announced routed only when all its servers serve, drained only when none carries, and facts alternate', () => {
    fc.assert(fc.property(fc.array(fc.record({
      present: fc.boolean(), spec: fc.constantFrom(A, B), s0: fc.boolean(), s1: fc.boolean(), c0: fc.boolean(), c1: fc.boolean(),
    }), { maxLength: 30 }), (steps) => {
      const routed = new Map<string, Announced>();
      let last: string | undefined;
      for (const st of steps) {
        const table = tableOf(st.present ? [inst('n1', '127.0.0.2', { specHash: st.spec, scheduledHash: st.spec })] : []);
        const [p0, p1] = both('127.0.0.2');
        const l = live([[p0!, { serving: st.s0, carrying: st.s0 || st.c0 }], [p1!, { serving: st.s1, carrying: st.s1 || st.c1 }]]);
        const out = announcements(table, l, routed);
        for (const a of out) {
          if (a.type === 'InstanceRouted') {
            expect(st.present && st.s0 && st.s1 && a.specHash === st.spec).toBe(true);
          } else {
            expect(last).toBe(`InstanceRouted:${a.specHash}`);
            if (!st.present) expect(st.s0 || st.c0 || st.s1 || st.c1).toBe(false);
          }
          last = `${a.type}:${a.specHash}`;
        }
        afterAnnouncements(routed, out);
      }
    }));
  });
});
