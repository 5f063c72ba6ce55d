import { causedBy, deterministicId, makeEvent, Subjects, type EventMeta, type EventOf } from '@fluxplane/contracts';
import type { Plan } from './types';

export type PlacementEvent = EventOf<'InstanceScheduled'> | EventOf<'InstanceUnscheduled'>;

/**
 * The events of a plan, unschedules first (capacity is freed before it is claimed), stamped with the
 * deciding leader's term when given. Ids derive from the app, the decision and the revision it was
 * decided at, so re-sending the same decision after a lost ack is de-duplicated by JetStream, while a
 * later decision on the same node gets a new id.
 */
export function planEvents(app: string, plan: Plan, basedOnRevision: number, cause?: { id: string; correlationId?: string }, time?: Date, leaderTerm?: number): PlacementEvent[] {
  const subject = Subjects.placement(app);
  const key = app.toLowerCase();
  const meta = (kind: string, nodeId: string, hash = ''): EventMeta => {
    const id = deterministicId('scheduler', key, kind, nodeId, hash, basedOnRevision);
    // The fencing token goes in as the event is made (not by copying each event afterwards).
    const m: EventMeta = cause ? causedBy(cause, id) : { id };
    if (time) m.time = time;
    if (leaderTerm) m.leaderTerm = leaderTerm;
    return m;
  };
  return [
    ...plan.unschedule.map((u) => makeEvent('InstanceUnscheduled', subject, { app, nodeId: u.nodeId, reason: u.reason.slice(0, 200) }, meta('unschedule', u.nodeId))),
    ...plan.schedule.map((s) => makeEvent('InstanceScheduled', subject, { app, nodeId: s.nodeId, nodeIp: s.nodeIp, specHash: s.specHash, components: s.components, reason: s.reason.slice(0, 200) }, meta('schedule', s.nodeId, s.specHash))),
  ];
}
