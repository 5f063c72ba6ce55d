import type { Tier } from '@fluxplane/contracts';
import { allocatableFor, sub, ZERO, type Hardware, type Resources } from './resources';
import { placementRulesOf, type PlacementRules } from './placement-rules';
import { subnet16 } from './subnet';
import type { NodeView } from './types';
import type { NodeUsage } from './types';

/** What a usage table must answer: the resources other apps (and earlier picks) hold on a node. */
export interface UsageLookup {
  get(nodeId: string): NodeUsage | undefined;
}

/** What the checkers need to know about the instance being placed and the cluster around it. */
export interface FeasibilityContext {
  /** Nodes already holding an instance of this app: instances go to distinct nodes. */
  hosting: ReadonlySet<string>;
  /** Nodes ruled out for this app, with why (the current spec failed there; released in this plan). */
  excluded: ReadonlyMap<string, string>;
  /** Resources one instance needs on a node of a tier; undefined when the spec cannot run there. */
  demand: (tier: Tier) => Resources | undefined;
  /** What other apps (and earlier picks of this plan) hold per node. */
  usage: UsageLookup;
  hardware: Hardware;
  /** The app keeps synced data (`s:`/`r:`/`g:`): its instances must sit in distinct /16s. */
  syncedData: boolean;
  /** The /16s (`subnet16`) of the nodes already holding an instance of this app. */
  subnetsInUse: ReadonlySet<string>;
  /** The spec's node rules (geolocation, pinned nodes, static IP, enterprise, datacenter); none when absent. */
  rules?: PlacementRules;
}

/** One reason a node cannot take the instance, or null when this checker has no objection. */
export interface FeasibilityChecker {
  /** Stable key of the rule (the explanation counts nodes per key). */
  readonly name: string;
  check(node: NodeView, ctx: FeasibilityContext): string | null;
  /**
   * False when the checker cannot object to any node in this context (e.g. the spec pins no nodes):
   * a decision leaves it out of the checks it runs for every candidate. Absent: it always applies.
   */
  appliesIn?(ctx: FeasibilityContext): boolean;
}

/* Node health: the same checks decide whether an existing placement has to move. */

export const registered: FeasibilityChecker = { name: 'registered', check: (n) => (n.registered ? null : 'node not registered') };
export const notExpired: FeasibilityChecker = { name: 'expired', check: (n) => (n.expired ? 'node expired' : null) };
export const benchmarked: FeasibilityChecker = { name: 'benchmark', check: (n) => (n.benchmarkPassed ? null : 'node not benchmarked or failed its benchmark') };
export const up: FeasibilityChecker = { name: 'down', check: (n) => (n.up ? null : 'node down') };

export const HEALTH_CHECKERS: readonly FeasibilityChecker[] = [registered, notExpired, benchmarked, up];

/* The spec's own node rules (FluxOS appSpawner: nodes, enterprise, datacenter, staticip, geolocation). */

/** v7+ `nodes`: when the spec pins nodes, only those (by ip, ip:port or collateral) may host it. */
export const pinned: FeasibilityChecker = {
  name: 'pinned',
  check: (n, ctx) => {
    const p = ctx.rules?.pinned;
    if (!p || p.size === 0) return null;
    return p.has(n.ip) || p.has(n.nodeId) ? null : 'not one of the nodes the spec pins';
  },
  appliesIn: (ctx) => (ctx.rules?.pinned.size ?? 0) > 0,
};

/** v8 enterprise apps run only on nodes that can decrypt them (ArcaneOS). */
export const enterprise: FeasibilityChecker = {
  name: 'enterprise',
  check: (n, ctx) => (ctx.rules?.enterprise && !n.enterprise ? 'not an enterprise (ArcaneOS) node' : null),
  appliesIn: (ctx) => ctx.rules?.enterprise === true,
};

/** v8 `datacenter: true`: only nodes in a datacenter. */
export const datacenter: FeasibilityChecker = {
  name: 'datacenter',
  check: (n, ctx) => (ctx.rules?.datacenter && !n.datacenter ? 'not a datacenter node' : null),
  appliesIn: (ctx) => ctx.rules?.datacenter === true,
};

/** v7+ `staticip: true`: only nodes with a static IP. */
export const staticIp: FeasibilityChecker = {
  name: 'static-ip',
  check: (n, ctx) => (ctx.rules?.staticIp && !n.staticIp ? 'no static IP' : null),
  appliesIn: (ctx) => ctx.rules?.staticIp === true,
};

/** v5+ geolocation: no deny rule may match the node's location, and one allow rule must (when any). */
export const geolocation: FeasibilityChecker = {
  name: 'geolocation',
  check: (n, ctx) => {
    const g = ctx.rules?.geolocation;
    if (!g || (g.allow.length === 0 && g.deny.length === 0)) return null;
    const loc = n.location;
    if (loc !== undefined && g.deny.some((r) => locationMatches(r, loc))) return `location ${loc} is denied`;
    if (g.allow.length === 0) return null;
    if (loc === undefined) return 'location unknown, and the spec allows only some';
    return g.allow.some((r) => locationMatches(r, loc)) ? null : `location ${loc} is outside the allowed geolocation`;
  },
  appliesIn: (ctx) => (ctx.rules?.geolocation.allow.length ?? 0) + (ctx.rules?.geolocation.deny.length ?? 0) > 0,
};

/** A rule matches a node at `continent_country_region` when every part it names is equal. */
export function geoMatches(rule: { continent?: string; country?: string; region?: string }, location: string): boolean {
  const [continent, country, ...rest] = location.split('_');
  if (rule.continent && rule.continent !== continent) return false;
  if (rule.country && rule.country !== country) return false;
  if (rule.region && rule.region !== rest.join('_')) return false;
  return true;
}

/**
 * `geoMatches` without splitting the location (no arrays or strings made): the checker runs it for
 * every candidate node of every decision. Same answer for every rule and location (a property test
 * holds the two together).
 */
export function locationMatches(rule: { continent?: string; country?: string; region?: string }, location: string): boolean {
  const a = location.indexOf('_');
  const b = a < 0 ? -1 : location.indexOf('_', a + 1);
  if (rule.continent && !partIs(location, 0, a < 0 ? location.length : a, rule.continent)) return false;
  if (rule.country && (a < 0 || !partIs(location, a + 1, b < 0 ? location.length : b, rule.country))) return false;
  if (rule.region && (b < 0 || !partIs(location, b + 1, location.length, rule.region))) return false;
  return true;
}

/** `location.slice(from, to) === part`, without the slice. */
function partIs(location: string, from: number, to: number, part: string): boolean {
  return to - from === part.length && location.startsWith(part, from);
}

export const RULE_CHECKERS: readonly FeasibilityChecker[] = [pinned, enterprise, datacenter, staticIp, geolocation];

/* Placement-specific checks. */

export const tier: FeasibilityChecker = {
  name: 'tier',
  check: (n, ctx) => (ctx.demand(n.tier) ? null : `spec cannot run on ${n.tier}`),
};

export const distinctNode: FeasibilityChecker = {
  name: 'hosts-app',
  check: (n, ctx) => (ctx.hosting.has(n.nodeId) ? 'already hosts the app' : null),
  appliesIn: (ctx) => ctx.hosting.size > 0,
};

export const notExcluded: FeasibilityChecker = {
  name: 'excluded',
  check: (n, ctx) => ctx.excluded.get(n.nodeId) ?? null,
  appliesIn: (ctx) => ctx.excluded.size > 0,
};

/** FluxOS's rule for apps with synced data: never two instances in the same /16. */
export const distinctSubnetForSyncedData: FeasibilityChecker = {
  name: 'same-subnet',
  check: (n, ctx) => (ctx.syncedData && ctx.subnetsInUse.has(subnet16(n.ip)) ? 'another instance of this app with synced data is in the same /16' : null),
  appliesIn: (ctx) => ctx.syncedData && ctx.subnetsInUse.size > 0,
};

const resource = (name: 'cpu' | 'ram' | 'hdd', what: string): FeasibilityChecker => {
  const short = `not enough free ${what}`;
  return {
    name,
    check: (n, ctx) => {
      const demand = ctx.demand(n.tier);
      if (!demand) return `spec cannot run on ${n.tier}`;
      // freeOn(n, ctx)[name], without the two objects it makes: this runs for every candidate node.
      const free = ctx.hardware.capacity[n.tier][name] - ctx.hardware.locked[name] - (ctx.usage.get(n.nodeId)?.[name] ?? 0);
      return demand[name] <= free ? null : short;
    },
  };
};
export const freeCpu = resource('cpu', 'CPU');
export const freeRam = resource('ram', 'RAM');
export const freeHdd = resource('hdd', 'disk');

/** Tier and free resources together (a rolled-out spec must still fit where its instance is). */
export const capacity: FeasibilityChecker = {
  name: 'capacity',
  check: (n, ctx) => tier.check(n, ctx) ?? freeCpu.check(n, ctx) ?? freeRam.check(n, ctx) ?? freeHdd.check(n, ctx),
};

/**
 * Every rule, in the order a node is judged (the first objection is the one counted): health, the
 * spec's node rules, the tier, this app's own instances, then free resources.
 */
export const PLACEMENT_CHECKERS: readonly FeasibilityChecker[] = [
  ...HEALTH_CHECKERS, ...RULE_CHECKERS, tier, distinctNode, distinctSubnetForSyncedData, notExcluded, freeCpu, freeRam, freeHdd,
];

/** How the explanation names nodes a rule ruled out ("2,100 without free RAM"). */
export const RULE_LABELS: Readonly<Record<string, string>> = {
  registered: 'not registered',
  expired: 'expired',
  benchmark: 'not benchmarked or failed their benchmark',
  down: 'down',
  pinned: 'not among the pinned nodes',
  enterprise: 'not enterprise (ArcaneOS) nodes',
  datacenter: 'not in a datacenter',
  'static-ip': 'without a static IP',
  geolocation: 'outside the allowed geolocation',
  tier: 'of a tier the spec cannot run on',
  'hosts-app': 'already hosting an instance',
  'same-subnet': 'in a /16 that already holds an instance (synced data)',
  excluded: 'where this spec failed or was just released',
  cpu: 'without free CPU',
  ram: 'without free RAM',
  hdd: 'without free disk',
};

/** Free resources on a node after what other apps (and this plan's picks) hold there. */
export function freeOn(node: NodeView, ctx: Pick<FeasibilityContext, 'usage' | 'hardware'>): Resources {
  return sub(allocatableFor(ctx.hardware, node.tier), ctx.usage.get(node.nodeId) ?? ZERO);
}

/**
 * The checkers that can object to some node in `ctx`, in order: what a decision runs for every
 * candidate (same first objection as running them all, fewer calls).
 */
export function checkersFor(ctx: FeasibilityContext, checkers: readonly FeasibilityChecker[] = PLACEMENT_CHECKERS): FeasibilityChecker[] {
  return checkers.filter((c) => c.appliesIn?.(ctx) ?? true);
}

/** The first checker that objects, or null when the node is feasible. */
export function firstFailing(node: NodeView, ctx: FeasibilityContext, checkers: readonly FeasibilityChecker[] = PLACEMENT_CHECKERS): { rule: string; reason: string } | null {
  for (const c of checkers) {
    const reason = c.check(node, ctx);
    if (reason) return { rule: c.name, reason };
  }
  return null;
}

/** The first objection of the checkers, or null when the node is feasible. */
export function firstProblem(node: NodeView, ctx: FeasibilityContext, checkers: readonly FeasibilityChecker[] = PLACEMENT_CHECKERS): string | null {
  return firstFailing(node, ctx, checkers)?.reason ?? null;
}

/** Why an existing placement's node can no longer host anything (down, expired, …), or null. */
export function healthProblem(node: NodeView | undefined): string | null {
  if (!node) return 'node unknown';
  for (const c of HEALTH_CHECKERS) {
    const problem = c.check(node, undefined as never);
    if (problem) return problem;
  }
  return null;
}

export { placementRulesOf };
