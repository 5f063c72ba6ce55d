import { groupRunning, hostAddress } from './desired-routes';
import { serving } from './primary';
import type { RoutableInstance, RoutingState } from './routing-state';

const byNode = (a: RoutableInstance, b: RoutableInstance) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0);

/**
 * FDM's `/appips/<app>`: the bare IPs of the app's instances. FluxOS reads `ips[0]` as the primary.
 * - A primary/standby (`g:`) app: the master of its highest term first (as soon as it is placed, even
 *   before its instance reports running), then every other placed instance — the standbys, which keep
 *   their component stopped and so never report running — in node order.
 * - Any other app: its running instances in node order.
 * `undefined` for an app that is not known (or not active).
 */
export function appIps(state: RoutingState, appName: string): string[] | undefined {
  const name = appName.toLowerCase();
  const app = state.apps.find((a) => a.name.toLowerCase() === name);
  if (!app) return undefined;
  const who = serving(app, state.masters);
  let ordered: RoutableInstance[];
  if (who.kind === 'all') {
    ordered = [...(groupRunning(state.instances).get(name) ?? [])].sort(byNode);
  } else {
    const placed = state.instances.filter((i) => i.app.toLowerCase() === name).sort(byNode);
    const primary = who.kind === 'primary' ? placed.find((i) => i.nodeId === who.nodeId) : undefined;
    ordered = primary ? [primary, ...placed.filter((i) => i !== primary)] : placed;
  }
  const ips: string[] = [];
  for (const inst of ordered) {
    const ip = hostAddress(inst.ip);
    if (ip && !ips.includes(ip)) ips.push(ip);
  }
  return ips;
}
