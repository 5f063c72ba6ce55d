import type { DomainEvent, EventData } from '@fluxplane/contracts';
import { ActualContainer, DesiredInstance } from './model';
import { appKey } from './naming';

/**
 * What the agent has to say about one instance, derived from what it observes (not from what it
 * just did), so a restarted agent reaches the same conclusion and, compared with the subject's last
 * event, says nothing twice.
 */
export type InstanceReport =
  | { type: 'InstanceStarted'; data: EventData<'InstanceStarted'> }
  | { type: 'InstanceFailed'; data: EventData<'InstanceFailed'> }
  | { type: 'InstanceStopped'; data: EventData<'InstanceStopped'> };

export interface Failure {
  specHash: string;
  error: string;
}

const MAX_ERROR = 2000;
const MAX_REASON = 200;

/**
 * The state of a desired instance: started once every component has a running container with its
 * spec; failed when the last attempt for this spec failed; otherwise nothing (still on its way).
 */
export function observeDesired(node: { nodeId: string; ip: string }, instance: DesiredInstance, containers: readonly ActualContainer[], failure?: Failure): InstanceReport | null {
  const mine = containers.filter((c) => appKey(c.app) === appKey(instance.app) && c.specHash === instance.specHash && c.state === 'running');
  const running = instance.components.map((component) => ({ component, container: mine.find((c) => c.component === component.name) }));
  if (running.every((r) => r.container)) {
    return {
      type: 'InstanceStarted',
      data: {
        app: instance.app,
        nodeId: node.nodeId,
        ip: node.ip,
        specHash: instance.specHash,
        ports: instance.components.flatMap((c) => c.ports.map((p) => p.host)),
        containers: running.map((r) => ({ component: r.component.name, id: r.container!.id })),
      },
    };
  }
  if (failure && failure.specHash === instance.specHash) {
    return { type: 'InstanceFailed', data: { app: instance.app, nodeId: node.nodeId, specHash: instance.specHash, error: failure.error.slice(0, MAX_ERROR) } };
  }
  return null;
}

/** An unscheduled instance is stopped once none of its containers is left. */
export function observeUnscheduled(nodeId: string, app: string, reason: string, containers: readonly ActualContainer[]): InstanceReport | null {
  if (containers.some((c) => appKey(c.app) === appKey(app))) return null;
  return { type: 'InstanceStopped', data: { app, nodeId, reason: `unscheduled: ${reason}`.slice(0, MAX_REASON) } };
}

/** The owner stopped the instance (`/apps/appstop`): it stays placed here, held, until started again. */
export function ownerStopped(nodeId: string, app: string): InstanceReport {
  return { type: 'InstanceStopped', data: { app, nodeId, reason: 'stopped by its owner', byOwner: true } };
}

/**
 * The part of a report that makes it a different state: a new spec, other containers, another
 * address. A repeated failure of the same spec is the same state (its message may vary).
 */
export function fingerprint(r: InstanceReport | DomainEvent): string {
  switch (r.type) {
    case 'InstanceStarted':
      return ['started', r.data.specHash, r.data.ip, r.data.ports.join(','), r.data.containers.map((c) => `${c.component}=${c.id}`).sort().join(',')].join('|');
    case 'InstanceFailed':
      return `failed|${r.data.specHash}`;
    case 'InstanceStopped':
      return r.data.byOwner ? 'stopped|owner' : 'stopped';
    default:
      return `other|${r.type}`;
  }
}

/** Whether appending `report` after `last` (the subject's last event) tells anyone something new. */
export function isNews(report: InstanceReport, last: DomainEvent | null): boolean {
  // An instance never reported started or failed was never announced, so its stop is no news
  // (unless its owner stopped it: that holds it, and the hold must be recorded).
  if (!last) return report.type !== 'InstanceStopped' || report.data.byOwner === true;
  return fingerprint(report) !== fingerprint(last);
}
