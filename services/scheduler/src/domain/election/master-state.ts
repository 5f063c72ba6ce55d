import type { DomainEvent } from '@fluxplane/contracts';
import type { MasterTerm } from './types';

/** The master in force per `g:` component (key: the component's name lowered), from the app's master stream. */
export type MasterState = Map<string, Omit<MasterTerm, 'seenAt'>>;

/**
 * evolve() of the master aggregate (`evt.master.<app>`): the highest term per component wins; a
 * lower or repeated term (which the expected-revision appends never produce) changes nothing.
 */
export function evolveMasters(state: MasterState, event: DomainEvent): MasterState {
  if (event.type !== 'MasterElected') return state;
  const key = event.data.component.toLowerCase();
  const prev = state.get(key);
  if (!prev || event.data.term > prev.term) state.set(key, { nodeId: event.data.nodeId, term: event.data.term, leaseMs: event.data.leaseMs });
  return state;
}

export function foldMasters(events: ReadonlyArray<{ event: DomainEvent }>): MasterState {
  return events.reduce((s, e) => evolveMasters(s, e.event), new Map() as MasterState);
}
