import { describe, expect, it } from 'vitest';
import { parseEvent, Subjects } from '@fluxplane/contracts';
import { planEvents } from './plan-events';
import type { Plan } from './types';

const plan: Plan = {
  unschedule: [{ nodeId: 'n1', reason: 'node down' }],
  schedule: [{ nodeId: 'n2', nodeIp: '127.0.0.12', specHash: 'a'.repeat(64), components: [{ name: 'web', image: 'x:1', ports: [], environment: [], commands: [], containerData: '/tmp', data: null, cpu: 0.5, ramMb: 100, hddGb: 1 }], reason: 'replaces instance on n1 (node down)' }],
  notes: [],
};

describe('planEvents', () => {
  it('emits valid events on the placement subject, unschedules first, traced to the cause', () => {
    const events = planEvents('Demo', plan, 7, { id: 'cause-1', correlationId: 'corr-1' });
    expect(events.map((e) => [e.type, e.subject])).toEqual([['InstanceUnscheduled', Subjects.placement('demo')], ['InstanceScheduled', Subjects.placement('demo')]]);
    for (const e of events) {
      expect(() => parseEvent(JSON.parse(JSON.stringify(e)))).not.toThrow();
      expect(e).toMatchObject({ causationId: 'cause-1', correlationId: 'corr-1' });
    }
  });

  it("stamps the deciding leader's term on every event, and ids do not depend on it", () => {
    const stamped = planEvents('Demo', plan, 7, undefined, undefined, 3);
    expect(stamped.map((e) => e.leaderTerm)).toEqual([3, 3]);
    for (const e of stamped) expect(() => parseEvent(JSON.parse(JSON.stringify(e)))).not.toThrow();
    expect(stamped.map((e) => e.id)).toEqual(planEvents('Demo', plan, 7).map((e) => e.id));
    expect(planEvents('Demo', plan, 7).every((e) => e.leaderTerm === undefined)).toBe(true);
  });

  it('derives ids from the decision and the revision it was based on', () => {
    const a = planEvents('Demo', plan, 7).map((e) => e.id);
    expect(planEvents('demo', plan, 7).map((e) => e.id)).toEqual(a);
    expect(planEvents('Demo', plan, 8).map((e) => e.id)).not.toEqual(a);
    expect(new Set(a).size).toBe(2);
  });
});
