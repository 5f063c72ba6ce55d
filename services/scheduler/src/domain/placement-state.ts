import type { DomainEvent } from '@fluxplane/contracts';
import type { InstanceStatus, Placement } from './types';

/** An app's placements as its placement stream says: nodeId → the InstanceScheduled in force. */
export type PlacementState = Map<string, { specHash: string; scheduledSeq: number }>;

/**
 * evolve() of the placement aggregate (`evt.placement.<app>`): InstanceScheduled places (or, for a
 * node already holding the app, re-places with a new spec), InstanceUnscheduled removes.
 */
export function evolvePlacements(state: PlacementState, event: DomainEvent, seq: number): PlacementState {
  if (event.type === 'InstanceScheduled') state.set(event.data.nodeId, { specHash: event.data.specHash, scheduledSeq: seq });
  else if (event.type === 'InstanceUnscheduled') state.delete(event.data.nodeId);
  return state;
}

export function foldPlacements(events: ReadonlyArray<{ seq: number; event: DomainEvent }>): PlacementState {
  return events.reduce((s, e) => evolvePlacements(s, e.event, e.seq), new Map() as PlacementState);
}

/** The latest report of a node agent about the app's instance on it. */
export interface StatusReport {
  nodeId: string;
  status: Exclude<InstanceStatus, 'scheduled'>;
  /** Started and Failed name the spec they ran; Stopped does not. */
  specHash: string | null;
  seq: number;
}

/**
 * The status that counts for a placement: only a report newer than its InstanceScheduled, and for
 * the spec it was placed with (a failure of the previous spec during a rollout says nothing about
 * the new one).
 */
export function effectiveStatus(placement: { specHash: string; scheduledSeq: number }, report: StatusReport | undefined): InstanceStatus {
  if (!report || report.seq <= placement.scheduledSeq) return 'scheduled';
  if (report.specHash !== null && report.specHash !== placement.specHash) return 'scheduled';
  return report.status;
}

export function toPlacements(state: PlacementState, reports: readonly StatusReport[]): Placement[] {
  const byNode = new Map(reports.map((r) => [r.nodeId, r]));
  return [...state.entries()].map(([nodeId, p]) => ({ nodeId, specHash: p.specHash, scheduledSeq: p.scheduledSeq, status: effectiveStatus(p, byNode.get(nodeId)) }));
}
