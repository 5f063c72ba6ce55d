import type { DomainEvent } from '@fluxplane/contracts';

/**
 * The nodes that hold a placement of an app, folded from its placement stream (`evt.placement.<app>`)
 * as the scheduler folds it: InstanceScheduled places (or re-places), InstanceUnscheduled removes.
 */
export function placedNodes(events: ReadonlyArray<{ event: DomainEvent }>): Set<string> {
  const nodes = new Set<string>();
  for (const { event } of events) {
    if (event.type === 'InstanceScheduled') nodes.add(event.data.nodeId);
    else if (event.type === 'InstanceUnscheduled') nodes.delete(event.data.nodeId);
  }
  return nodes;
}
