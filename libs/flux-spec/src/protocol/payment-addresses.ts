/**
 * Where app registrations and updates are paid, by height. FluxOS accepts a payment to *every*
 * address whose height has been reached (explorerService.processStandard: the t1 address always,
 * the first apps multisig from 1,300,000, the second from 1,670,000), and quotes the newest one in
 * force (`deploymentInformation`).
 */
export interface PaymentAddress {
  address: string;
  fromHeight: number;
}

export const MAINNET_APPS_ADDRESSES: readonly PaymentAddress[] = [
  { address: 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6', fromHeight: 0 },
  { address: 't3aGJvdtd8NR6GrnqnRuVEzH6MbrXuJFLUX', fromHeight: 1_300_000 },
  { address: 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX', fromHeight: 1_670_000 },
];

/** The foundation multisigs: a transaction between them carrying an OP_RETURN message is a soft fork. */
export const FOUNDATION_MULTISIGS: readonly string[] = ['t3aGJvdtd8NR6GrnqnRuVEzH6MbrXuJFLUX', 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX'];

/** A devchain pays the newest mainnet address from its first block. */
export const DEVCHAIN_APPS_ADDRESSES: readonly PaymentAddress[] = [{ address: MAINNET_APPS_ADDRESSES[2]!.address, fromHeight: 0 }];

/** Every address a payment at `height` may go to. */
export function appsAddressesAt(height: number, schedule: readonly PaymentAddress[] = MAINNET_APPS_ADDRESSES): Set<string> {
  return new Set(schedule.filter((a) => height >= a.fromHeight).map((a) => a.address));
}

/** The address to quote for a payment at `height`: the newest one in force. */
export function paymentAddressAt(height: number, schedule: readonly PaymentAddress[] = MAINNET_APPS_ADDRESSES): string {
  const inForce = schedule.filter((a) => height >= a.fromHeight);
  return (inForce[inForce.length - 1] ?? schedule[0]!).address;
}
