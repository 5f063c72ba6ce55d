import type { AppView, Placement } from './types';

/**
 * Whether a placement serves now: its instance runs (InstanceStarted for its spec) and, for an app
 * HAProxy routes, the domain manager said HAProxy serves it (InstanceRouted for that spec).
 */
export function serving(p: Placement, routed: boolean): boolean {
  return p.status === 'running' && (!routed || p.routed === true);
}

/** Apps whose instances HAProxy routes: public ports, and no primary/standby (`g:`) component. */
export function routedApp(app: AppView): boolean {
  return app.runtime.publicPorts.length > 0 && !app.runtime.components.some((c) => c.data?.syncMode === 'g');
}

/**
 * Which of the placements that stay but run an older spec get the new spec now (a rolling update,
 * one instance at a time):
 * - a placement that serves nothing (not running, or not yet routed) is replaced at once: nothing is lost;
 * - the serving ones go oldest first, only as many as keep `target - 1` instances serving: with all
 *   instances up, one at a time, the next once the new one serves (InstanceRouted for the new spec);
 * - a primary/standby (`g:`) app is rolled out everywhere at once, as before: its standbys never start
 *   their `g:` component, so they would never count as serving.
 * Pure: the scheduler calls it on every decision, and each InstanceStarted / InstanceRouted wakes it.
 */
export function rolloutNow(app: AppView, kept: readonly Placement[], stale: readonly Placement[]): Placement[] {
  if (app.runtime.components.some((c) => c.data?.syncMode === 'g')) return [...stale];
  const routed = routedApp(app);
  const idle = stale.filter((p) => !serving(p, routed));
  const busy = stale.filter((p) => serving(p, routed)).sort((a, b) => a.scheduledSeq - b.scheduledSeq || (a.nodeId < b.nodeId ? -1 : 1));
  const servingNow = kept.filter((p) => serving(p, routed)).length;
  const budget = Math.max(0, servingNow - (app.runtime.instances - 1));
  return [...idle, ...busy.slice(0, budget)];
}
