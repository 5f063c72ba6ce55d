import { ComponentRuns, trySeal, type ComponentRun, type Tier } from '@fluxplane/contracts';
import { componentOnTier, isRunnable, type AppRuntime } from '@fluxplane/flux-spec';

export type ComponentsResult = { ok: true; components: ComponentRun[] } | { ok: false; reason: string };

/**
 * What a node of `tier` runs for the app: its components on that tier, as the placement event
 * carries them. The meaning comes from the spec's runtime view; this only checks that each component
 * fits the placement contract (an image, positive cpu and ram), so a node agent never gets one it
 * cannot start. The list is sealed (validated as a whole and frozen): the InstanceScheduled of every
 * instance on that tier carries it without validating it again.
 */
export function componentRunsOn(app: AppRuntime, tier: Tier): ComponentsResult {
  // A runtime view is never changed once made: its components per tier are computed once.
  let byTier = cache.get(app);
  if (!byTier) cache.set(app, (byTier = new Map()));
  let r = byTier.get(tier);
  if (!r) byTier.set(tier, (r = computeRuns(app, tier)));
  return r;
}

const cache = new WeakMap<AppRuntime, Map<Tier, ComponentsResult>>();

function computeRuns(app: AppRuntime, tier: Tier): ComponentsResult {
  if (!isRunnable(app)) return { ok: false, reason: app.problems.join('; ') || 'spec has no components' };
  // One validation of the whole list (it runs once per app and tier, for thousands of apps at start).
  const r = trySeal(ComponentRuns, app.components.map((c) => componentOnTier(c, tier)));
  if (r.success) return { ok: true, components: r.data };
  const first = r.error.issues[0]!;
  const i = typeof first.path[0] === 'number' ? first.path[0] : undefined;
  if (i === undefined) return { ok: false, reason: `components not runnable on ${tier}: ${first.message}` };
  const issues = r.error.issues.filter((x) => x.path[0] === i).map((x) => `${x.path.slice(1).join('.')}: ${x.message}`).join('; ');
  return { ok: false, reason: `component ${i} (${app.components[i]?.name || '?'}) is not runnable on ${tier}: ${issues}` };
}
