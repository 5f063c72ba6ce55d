import { ComponentRun, ComponentRuns, seal, type Tier } from '@fluxplane/contracts';
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
  const components: ComponentRun[] = [];
  for (const [i, c] of app.components.entries()) {
    const parsed = ComponentRun.safeParse(componentOnTier(c, tier));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
      return { ok: false, reason: `component ${i} (${c.name || '?'}) is not runnable on ${tier}: ${issues}` };
    }
    components.push(parsed.data);
  }
  const whole = ComponentRuns.safeParse(components);
  if (!whole.success) return { ok: false, reason: whole.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') };
  return { ok: true, components: seal(ComponentRuns, whole.data) };
}
