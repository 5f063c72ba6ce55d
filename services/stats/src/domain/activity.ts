import type { ActivityKind, DomainEvent } from '@fluxplane/contracts';

/**
 * What the network projection knows, before an event, that decides which activity the event is.
 * Only the fields the event's type needs are read.
 */
export interface ActivityContext {
  /** the event's app is registered and not expired */
  appActive: boolean;
  /** the event's instance (app on node) holds a placement */
  placed: boolean;
  /** placements released from the live app and not yet replaced */
  pendingReleases: number;
  /** the node of the previous term of the event's `g:` component (MasterElected); null: none */
  previousMaster: string | null;
}

export interface Activity {
  kinds: ActivityKind[];
  /** the app's pending releases after the event */
  pendingReleases: number;
}

/**
 * Which placement and healing activity an event is. Pure; the projection stores the answer with
 * the event's sequence in the same transaction, so each event counts exactly once.
 *
 * - `started` / `failed`: InstanceStarted / InstanceFailed.
 * - `moved`: the scheduler releases placements of a live app (node down, instance failed, node
 *   rules, an update that no longer fits) before it places their replacements (`planEvents`:
 *   unschedules first). A release from a live app opens a pending move; the next placement of that
 *   app on a node that held none closes one and counts as a move, also when it comes later (no
 *   node was free). A registration or update resets the pending moves: from then on a new
 *   placement may be a new instance (a higher instance count), and surplus releases are no moves.
 *   A rollout of a new spec on the same node is not a move; nor is anything of an expired app.
 * - `masterElections`: every MasterElected; `masterChanges`: those naming another node than the
 *   term before (a failover or a handover; a first term is not a change).
 */
export function activityOf(event: DomainEvent, ctx: ActivityContext): Activity {
  const pending = ctx.pendingReleases;
  switch (event.type) {
    case 'InstanceStarted':
      return { kinds: ['started'], pendingReleases: pending };
    case 'InstanceFailed':
      return { kinds: ['failed'], pendingReleases: pending };
    case 'InstanceUnscheduled':
      return { kinds: [], pendingReleases: ctx.appActive && ctx.placed ? pending + 1 : pending };
    case 'InstanceScheduled':
      if (!ctx.placed && pending > 0) return { kinds: ['moved'], pendingReleases: pending - 1 };
      return { kinds: [], pendingReleases: pending };
    case 'MasterElected': {
      const changed = ctx.previousMaster !== null && ctx.previousMaster !== event.data.nodeId;
      return { kinds: changed ? ['masterElections', 'masterChanges'] : ['masterElections'], pendingReleases: pending };
    }
    case 'AppRegistered':
    case 'AppUpdated':
    case 'AppExpired':
    case 'AppRegistrationReverted':
      return { kinds: [], pendingReleases: 0 };
    default:
      return { kinds: [], pendingReleases: pending };
  }
}

/** The event types whose activity depends on the context (the projection loads it only for these). */
export const ACTIVITY_EVENT_TYPES = new Set<DomainEvent['type']>([
  'InstanceStarted', 'InstanceFailed', 'InstanceUnscheduled', 'InstanceScheduled', 'MasterElected',
  'AppRegistered', 'AppUpdated', 'AppExpired', 'AppRegistrationReverted',
]);
