import type { ComponentMaster, RoutableApp } from './routing-state';

/**
 * Who serves a primary/standby (`g:`) app: the node of the master of its first `g:` component (spec
 * order), at the highest term seen. The app's components talk to each other on their node, so only
 * the primary's node runs the whole app: every port of the app goes there.
 * - `{ kind: 'all' }`: not a `g:` app, every running instance serves;
 * - `{ kind: 'primary', nodeId }`: only the instance on `nodeId`;
 * - `{ kind: 'none' }`: a `g:` app without a master yet: nobody (HAProxy answers 503).
 */
export type Serving = { kind: 'all' } | { kind: 'primary'; nodeId: string; term: number } | { kind: 'none' };

export function serving(app: RoutableApp, masters: ComponentMaster[] | undefined): Serving {
  const component = app.primaryStandby?.[0];
  if (component === undefined) return { kind: 'all' };
  const name = app.name.toLowerCase();
  let best: ComponentMaster | undefined;
  for (const m of masters ?? []) {
    if (m.app.toLowerCase() !== name || m.component !== component) continue;
    // The projection keeps one per component; should several be passed, the highest term wins.
    if (!best || m.term > best.term) best = m;
  }
  return best ? { kind: 'primary', nodeId: best.nodeId, term: best.term } : { kind: 'none' };
}
