import type { EventData } from '@fluxplane/contracts';
import type { PriceScheduleEntry } from '@fluxplane/flux-spec';

/** A price soft fork as the projection keeps it (PriceScheduleChanged): its height is a CHAIN height. */
export type ChainPriceEntry = Readonly<Omit<EventData<'PriceScheduleChanged'>, 'message'>>;

/** A merged schedule entry; chain entries keep where they came from. */
export type MergedPriceEntry = PriceScheduleEntry & { txid?: string; chainHeight?: number };

/**
 * The schedule FluxOS prices with (chainUtilities.getChainParamsPriceUpdates): the configured entries,
 * then the chain's price soft forks, sorted by height with a stable sort, so at equal heights a
 * configured entry comes before a chain one, and chain entries keep their order on chain (`chain`
 * must be in block order). Every price computation here runs at a RULES height (chain height +
 * `offset`), so chain entries are shifted by the same offset: the entry of a soft fork mined at chain
 * height h then applies from chain height h + 1, as on mainnet (where the offset is 0).
 */
export function mergePriceSchedule(
  base: ReadonlyArray<PriceScheduleEntry>, chain: ReadonlyArray<ChainPriceEntry>, offset: number,
): MergedPriceEntry[] {
  const fromChain: MergedPriceEntry[] = chain.map((c) => ({
    height: c.height + offset, cpu: c.cpu, ram: c.ram, hdd: c.hdd, minPrice: c.minPrice, port: c.port, scope: c.scope, staticip: c.staticip,
    txid: c.txid, chainHeight: c.height,
  }));
  return [...base, ...fromChain].sort((a, b) => a.height - b.height);
}
