import type { Tier } from '@fluxplane/flux-spec';

/** A fluxnode the indexer tracks, keyed by its collateral outpoint "txid:n" (the node id). */
export interface NodeEntry {
  /** started = START transaction seen; confirmed = initial CONFIRM seen (the node is in the deterministic list) */
  readonly status: 'started' | 'confirmed';
  readonly tier: Tier;
  readonly collateralSat: number;
  /** "" until confirmed */
  readonly ip: string;
  readonly startHeight: number;
  readonly confirmedHeight: number | null;
  readonly lastConfirmedHeight: number | null;
}

/**
 * The indexer's state between blocks: unspent outputs whose value is a collateral amount (any of them
 * may later be named by a START transaction; fluxnode transactions carry no amount), and the nodes.
 */
export interface ChainIndexerState {
  readonly collaterals: ReadonlyMap<string, number>;
  readonly nodes: ReadonlyMap<string, NodeEntry>;
}

export interface MutableChainIndexerState {
  collaterals: Map<string, number>;
  nodes: Map<string, NodeEntry>;
}

export const emptyChainIndexerState = (): ChainIndexerState => ({ collaterals: new Map(), nodes: new Map() });

/** One key's change; `before`/`after` null = absent. */
export interface StateChange<V> {
  readonly key: string;
  readonly before: V | null;
  readonly after: V | null;
}

/** What one block changed, in order; invertible (for reorganisations) with {@link invertStateDelta}. */
export interface StateDelta {
  readonly collaterals: ReadonlyArray<StateChange<number>>;
  readonly nodes: ReadonlyArray<StateChange<NodeEntry>>;
}

function applyChanges<V>(map: Map<string, V>, changes: ReadonlyArray<StateChange<V>>): void {
  for (const c of changes) {
    if (c.after === null) map.delete(c.key);
    else map.set(c.key, c.after);
  }
}

/** A new state with the delta applied (copies the maps: O(state)). */
export function applyStateDelta(state: ChainIndexerState, delta: StateDelta): ChainIndexerState {
  const next: MutableChainIndexerState = { collaterals: new Map(state.collaterals), nodes: new Map(state.nodes) };
  mutateStateWithDelta(next, delta);
  return next;
}

/** Apply in place, for hot loops over many blocks (O(delta)). */
export function mutateStateWithDelta(state: MutableChainIndexerState, delta: StateDelta): void {
  applyChanges(state.collaterals, delta.collaterals);
  applyChanges(state.nodes, delta.nodes);
}

/** The delta that undoes `delta` (apply it to roll a block back). */
export function invertStateDelta(delta: StateDelta): StateDelta {
  const flip = <V>(changes: ReadonlyArray<StateChange<V>>): StateChange<V>[] =>
    [...changes].reverse().map((c) => ({ key: c.key, before: c.after, after: c.before }));
  return { collaterals: flip(delta.collaterals), nodes: flip(delta.nodes) };
}

export interface SerializedChainIndexerState {
  collaterals: Array<[string, number]>;
  nodes: Array<[string, NodeEntry]>;
}

export function serializeState(state: ChainIndexerState): SerializedChainIndexerState {
  return { collaterals: [...state.collaterals], nodes: [...state.nodes] };
}

export function deserializeState(data: SerializedChainIndexerState): ChainIndexerState {
  return { collaterals: new Map(data.collaterals), nodes: new Map(data.nodes) };
}

/** A copy-on-write view of a base map that records its changes (first `before`, last `after`). */
export class Overlay<V> {
  private readonly changes = new Map<string, { before: V | null; after: V | null }>();

  constructor(private readonly base: ReadonlyMap<string, V>) {}

  get(key: string): V | undefined {
    const c = this.changes.get(key);
    if (c) return c.after ?? undefined;
    return this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    const c = this.changes.get(key);
    if (c) c.after = value;
    else this.changes.set(key, { before: this.base.get(key) ?? null, after: value });
  }

  delete(key: string): void {
    const c = this.changes.get(key);
    if (c) c.after = null;
    else if (this.base.has(key)) this.changes.set(key, { before: this.base.get(key)!, after: null });
  }

  /** Every current entry (base entries not overridden, then changed ones still present). */
  *entries(): IterableIterator<[string, V]> {
    for (const [k, v] of this.base) if (!this.changes.has(k)) yield [k, v];
    for (const [k, c] of this.changes) if (c.after !== null) yield [k, c.after];
  }

  toChanges(): StateChange<V>[] {
    const out: StateChange<V>[] = [];
    for (const [key, c] of this.changes) if (c.before !== c.after) out.push({ key, before: c.before, after: c.after });
    return out;
  }
}
