import type { ComponentRun } from '@fluxplane/contracts';

/** An instance this node should run, as projected from InstanceScheduled. */
export interface DesiredInstance {
  app: string;
  specHash: string;
  components: ComponentRun[];
}

/** An instance that was unscheduled from this node: its containers must go, then it is reported stopped. */
export interface UnscheduledInstance {
  app: string;
  reason: string;
}

/** Docker's container states; `restarting` is Docker's own restart policy at work. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container of this node as the engine reports it, reduced to what the reconciler decides on. */
export interface ActualContainer {
  id: string;
  app: string;
  component: string;
  specHash: string;
  state: ContainerState | string;
}

/**
 * A container that Docker keeps alive by itself: a running one, or one its restart policy is
 * restarting or an operator paused. Replacing those would fight Docker or the operator; every other
 * state (created, exited, dead) needs the agent.
 */
export function isLive(state: string): boolean {
  return state === 'running' || state === 'restarting' || state === 'paused';
}
