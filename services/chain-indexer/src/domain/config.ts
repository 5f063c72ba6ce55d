import {
  appsAddressesAt, DEVCHAIN_APPS_ADDRESSES, FOUNDATION_MULTISIGS, MAINNET_APPS_ADDRESSES, type PaymentAddress,
} from '@fluxplane/flux-spec';

/**
 * Chain parameters the fact extraction depends on. Injectable so a devchain (heights from 0) and
 * mainnet use the same code.
 */
export interface ChainFactsConfig {
  /**
   * Apps payment addresses and the height from which each is accepted. FluxOS accepts *all* entries
   * whose height has been reached (explorerService.processStandard: the t1 address always, the first
   * multisig from 1300000, the second from 1670000), so the schedule is cumulative, not exclusive.
   */
  appsAddresses: readonly PaymentAddress[];
  /** payments below this height are ignored (FluxOS `fluxapps.epochstart`, 694000 on mainnet) */
  epochStart: number;
  /**
   * Where the 64-character message is read from. FluxOS overwrites its message with the decoding of
   * every output in turn, so only the *last* output counts ('last-output', the compatible default);
   * 'any-op-return' takes the first OP_RETURN output that decodes to 64 characters.
   */
  messageFrom: 'last-output' | 'any-op-return';
  /**
   * Blocks after its last confirmation after which a confirmed node expires (fluxd: 80, then 160 after
   * the PON fork — `FLUXNODE_CONFIRM_UPDATE_EXPIRATION_HEIGHT_*`). Undefined = not modelled (nodes
   * only expire when their collateral is spent). Costs a scan of the confirmed nodes per block.
   */
  confirmationExpiryBlocks?: number;
  /**
   * The foundation multisigs: a transaction from one of them to one of them with an OP_RETURN message
   * is a soft fork (FluxOS explorerService; the same two addresses as the apps multisigs).
   */
  foundationAddresses: ReadonlyArray<string>;
}

export const MAINNET_CHAIN_FACTS_CONFIG: ChainFactsConfig = {
  appsAddresses: MAINNET_APPS_ADDRESSES,
  epochStart: 694_000,
  messageFrom: 'last-output',
  foundationAddresses: FOUNDATION_MULTISIGS,
};

/** The devchain pays the newest mainnet apps address from height 0; its soft forks come from the same multisigs. */
export const DEVCHAIN_CHAIN_FACTS_CONFIG: ChainFactsConfig = {
  appsAddresses: DEVCHAIN_APPS_ADDRESSES,
  epochStart: 0,
  messageFrom: 'last-output',
  foundationAddresses: FOUNDATION_MULTISIGS,
};

/** The apps addresses a payment at `height` may go to under this chain's schedule. */
export function appsAddressesFor(config: ChainFactsConfig, height: number): Set<string> {
  return appsAddressesAt(height, config.appsAddresses);
}
