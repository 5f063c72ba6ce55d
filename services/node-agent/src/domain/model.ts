import type { ComponentRun } from '@fluxplane/contracts';

/** An instance this node should run, as projected from InstanceScheduled. */
export interface DesiredInstance {
  app: string;
  specHash: string;
  components: ComponentRun[];
  /** Its owner stopped it (InstanceStopped with byOwner): nothing is started for it until the owner starts it. */
  held?: boolean;
  /** The spec hash this node last reported InstanceFailed for: its crashed containers are not restarted. */
  failedSpec?: string;
  /** The spec HAProxy serves this instance with (InstanceRouted, until InstanceDrained): drained before it is stopped. */
  routedSpec?: string;
}

/** An instance that was unscheduled from this node: its containers must go, then it is reported stopped. */
export interface UnscheduledInstance {
  app: string;
  reason: string;
  /** As DesiredInstance.routedSpec: HAProxy still routes to it until InstanceDrained. */
  routedSpec?: string;
}

/** Docker's container states; `restarting` is Docker's own restart policy at work (containers made before the agent owned restarts). */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container of this node as the engine reports it, reduced to what the reconciler decides on. */
export interface ActualContainer {
  id: string;
  app: string;
  component: string;
  specHash: string;
  state: ContainerState | string;
  /** The exit code of an exited container, when the engine's status says it. */
  exitCode?: number;
}

/**
 * A container that Docker keeps alive by itself: a running one, or one its restart policy is
 * restarting or an operator paused. Replacing those would fight Docker or the operator; every other
 * state (created, exited, dead) needs the agent.
 */
export function isLive(state: string): boolean {
  return state === 'running' || state === 'restarting' || state === 'paused';
}
