/**
 * Where app registrations and updates are paid, by height (FluxOS `deploymentInformation`: the t1
 * address, then the first apps multisig from the v6 activation height, then the second from 1670000).
 * The same addresses the chain-indexer accepts on mainnet (its `MAINNET_APPS_ADDRESSES`); the newest
 * one in force is the one to pay. Heights are rules heights. A devchain pays the newest address from
 * its start, which is what the schedule answers at the devnet's rules height (2,200,000).
 */
export const APPS_PAYMENT_ADDRESSES: ReadonlyArray<{ address: string; fromHeight: number }> = [
  { address: 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6', fromHeight: 0 },
  { address: 't3aGJvdtd8NR6GrnqnRuVEzH6MbrXuJFLUX', fromHeight: 1_300_000 },
  { address: 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX', fromHeight: 1_670_000 },
];

export function paymentAddressAt(rulesHeight: number, schedule = APPS_PAYMENT_ADDRESSES): string {
  const inForce = schedule.filter((a) => rulesHeight >= a.fromHeight);
  return (inForce[inForce.length - 1] ?? schedule[0]!).address;
}
