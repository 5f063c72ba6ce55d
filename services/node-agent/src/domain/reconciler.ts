import type { ComponentRun } from '@fluxplane/contracts';
import { ActualContainer, DesiredInstance, isLive } from './model';
import { appKey } from './naming';

/**
 * The reconciler: a pure diff of what should run on this node against what runs, in the style of
 * Nomad's reconciler. It never looks at Docker or the bus; the loop feeds it and executes its plan.
 */
export type Action =
  | { kind: 'start'; app: string; specHash: string; component: ComponentRun }
  | { kind: 'replace'; app: string; specHash: string; component: ComponentRun; container: ActualContainer; reason: 'spec-changed' | 'not-running' }
  /** Start again a container of the right spec that exited (crashed) or was never started: same id, same name. */
  | { kind: 'restart'; app: string; specHash: string; component: ComponentRun; container: ActualContainer }
  | { kind: 'remove'; app: string; container: ActualContainer; reason: 'unscheduled' | 'component-removed' | 'duplicate' | 'fenced' };

/**
 * Whether a `g:` (primary/standby) component may run on this node now: only on the master of the
 * current term with a valid lease (domain/master-lease.ts). Other components are never asked.
 */
export type MayRun = (app: string, component: string) => boolean;

/** Every component may run: a node that does not fence (no `g:` data, or tests of other rules). */
export const ALWAYS_MAY_RUN: MayRun = () => true;

/** A `g:` component runs only where it is fenced in: on the master with a valid lease. */
export function isFenced(component: ComponentRun): boolean {
  return component.data?.syncMode === 'g';
}

const key = (app: string, component: string) => `${appKey(app)}\u0000${component}`;

/** States a container can be started again from (`docker start`); a `dead` one cannot. */
function restartable(state: string): boolean {
  return state === 'exited' || state === 'created';
}

/**
 * `plan(desired, actual)`: start the components that have no container, restart a container of the
 * right spec that exited (the crash policy decides when, or whether), replace a container that
 * runs another spec or cannot be started again, remove containers of apps or components no longer desired and
 * duplicates, and leave a live container with the right spec alone.
 *
 * A `g:` component that may not run here (`mayRun` false: not the master, or its lease is not
 * valid) has no container: none is started, restarted or replaced, and every container it has is
 * removed (`fenced`; its volume and synced folder are kept). So a `g:` container is never live in a
 * plan's outcome without `mayRun`.
 *
 * Removals come first in the plan so that the host ports they hold are free before anything new is
 * created; within each kind, actions are sorted by app and component, so plans are deterministic.
 */
export function plan(desired: readonly DesiredInstance[], actual: readonly ActualContainer[], mayRun: MayRun = ALWAYS_MAY_RUN): Action[] {
  const wanted = new Map<string, { instance: DesiredInstance; component: ComponentRun }>();
  const fenced = new Set<string>();
  for (const instance of desired) {
    for (const component of instance.components) {
      wanted.set(key(instance.app, component.name), { instance, component });
      if (isFenced(component) && !mayRun(instance.app, component.name)) fenced.add(key(instance.app, component.name));
    }
  }
  const apps = new Set(desired.map((d) => appKey(d.app)));

  const byKey = new Map<string, ActualContainer[]>();
  for (const c of actual) {
    const k = key(c.app, c.component);
    byKey.set(k, [...(byKey.get(k) ?? []), c]);
  }

  const removes: Action[] = [];
  const changes: Action[] = [];
  for (const [k, containers] of byKey) {
    const want = wanted.get(k);
    if (!want) {
      const reason = apps.has(appKey(containers[0]!.app)) ? 'component-removed' : 'unscheduled';
      for (const container of containers) removes.push({ kind: 'remove', app: container.app, container, reason });
      continue;
    }
    if (fenced.has(k)) {
      for (const container of containers) removes.push({ kind: 'remove', app: container.app, container, reason: 'fenced' });
      continue;
    }
    const { instance, component } = want;
    const keeper = containers.find((c) => c.specHash === instance.specHash && isLive(c.state));
    // Without a healthy container, the first one is replaced (its name is the one the new container takes).
    const replaced = keeper ? undefined : containers[0]!;
    for (const container of containers) {
      if (container === keeper) continue;
      if (container === replaced && container.specHash === instance.specHash && restartable(container.state)) {
        changes.push({ kind: 'restart', app: instance.app, specHash: instance.specHash, component, container });
      } else if (container === replaced) {
        const reason = container.specHash !== instance.specHash ? 'spec-changed' : 'not-running';
        changes.push({ kind: 'replace', app: instance.app, specHash: instance.specHash, component, container, reason });
      } else {
        removes.push({ kind: 'remove', app: container.app, container, reason: 'duplicate' });
      }
    }
  }
  for (const [k, { instance, component }] of wanted) {
    if (!byKey.has(k) && !fenced.has(k)) changes.push({ kind: 'start', app: instance.app, specHash: instance.specHash, component });
  }
  return [...sortActions(removes), ...sortActions(changes)];
}

function actionKey(a: Action): string {
  return `${appKey(a.app)}\u0000${a.kind === 'remove' ? a.container.component : a.component.name}\u0000${a.kind === 'start' ? '' : a.container.id}`;
}

function sortActions(actions: Action[]): Action[] {
  return actions.sort((a, b) => (actionKey(a) < actionKey(b) ? -1 : actionKey(a) > actionKey(b) ? 1 : 0));
}

/** The app an action belongs to, keyed case-insensitively. */
export function actionApp(a: Action): string {
  return appKey(a.app);
}
