import { sha256 } from './encoding';
import type { NodeRecord } from './fluxnodes';

/*
 * Synthetic traffic for `generate(count, mix)`: before each block, a seeded random number of node
 * registrations, app payments and expiries of nodes it registered (or that were in the list when it
 * started). The same seed on the same chain gives the same blocks.
 */

export interface SyntheticMix {
  /** expected node registrations per block */
  registrations?: number;
  /** expected app payments per block */
  payments?: number;
  /** expected node expiries (collateral spends) per block */
  expiries?: number;
  seed?: number;
}

/** What the traffic submits to (the DevChain). */
export interface MixTarget {
  readonly height: number;
  deterministicList(): NodeRecord[];
  node(nodeId: string): NodeRecord | undefined;
  registerNode(input: { ip: string; collateral: number }): { nodeId: string };
  pay(input: { hash: string; amountSat: number }): unknown;
  expireNode(nodeId: string): unknown;
}

export class SyntheticTraffic {
  private readonly rnd: () => number;
  /** nodes it may expire */
  private readonly nodes: string[];

  constructor(
    private readonly target: MixTarget,
    private readonly mix: SyntheticMix,
  ) {
    this.rnd = mulberry32(mix.seed ?? target.height + 1);
    this.nodes = target.deterministicList().map((n) => n.outpoint);
  }

  /** Submit one block's worth of transactions. */
  beforeBlock(): void {
    const { target, mix, rnd, nodes } = this;
    for (let k = this.draws(mix.registrations); k > 0; k -= 1) {
      const r = rnd();
      const collateral = r < 0.6 ? 1000 : r < 0.9 ? 12500 : 40000;
      const ip = `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}:16127`;
      nodes.push(target.registerNode({ ip, collateral }).nodeId);
    }
    for (let k = this.draws(mix.payments); k > 0; k -= 1) {
      const hash = sha256(Buffer.from(`app:${target.height}:${k}:${rnd()}`)).toString('hex');
      target.pay({ hash, amountSat: Math.round((0.5 + rnd() * 50) * 100) * 1_000_000 });
    }
    for (let k = this.draws(mix.expiries); k > 0 && nodes.length > 0; k -= 1) {
      const idx = Math.floor(rnd() * nodes.length);
      const nodeId = nodes[idx]!;
      if (target.node(nodeId)?.status !== 'confirmed') continue;
      nodes[idx] = nodes[nodes.length - 1]!;
      nodes.pop();
      target.expireNode(nodeId);
    }
  }

  /** A rate of 2.3 gives 2, or 3 with probability 0.3. */
  private draws(rate: number | undefined): number {
    if (!rate || rate <= 0) return 0;
    const whole = Math.floor(rate);
    return whole + (this.rnd() < rate - whole ? 1 : 0);
  }
}

/** A deterministic pseudo-random stream in [0, 1) (mulberry32): the same seed, the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
