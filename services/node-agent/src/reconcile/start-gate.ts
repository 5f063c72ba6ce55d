import type { ComponentRun } from '@fluxplane/contracts';

/**
 * Asked before a component's container is created, once its volume is ready: may it start now?
 * Data sync answers for `r:` components (not before their folder is fully in sync) and for `g:`
 * components (only on the master); every other component may start at once. A component held back is
 * not a failure: the next reconcile pass asks again.
 */
export interface StartGate {
  mayStart(app: string, component: ComponentRun): Promise<{ ok: true } | { ok: false; reason: string }>;
}

export const START_GATE = Symbol('fluxplane.node-agent.start-gate');

/** Lets everything start: the gate of a node that keeps no synced data. */
export const OPEN_GATE: StartGate = { mayStart: async () => ({ ok: true }) };
