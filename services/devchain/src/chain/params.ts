import { MAINNET_APPS_ADDRESSES, paymentAddressAt } from '@fluxplane/flux-spec';
import { COIN, type Tier } from './types';

/*
 * The devchain's chain parameters: amounts, rewards and header constants. Rewards are illustrative;
 * fluxd's real emission schedule is not modelled.
 */

/** The apps address a devchain pays by default: the newest mainnet one (libs/flux-spec). */
export const MAINNET_APPS_ADDRESS = paymentAddressAt(Number.MAX_SAFE_INTEGER, MAINNET_APPS_ADDRESSES);
/** What the wallet moves to the foundation multisig before each soft fork (the soft fork then spends it). */
export const SOFT_FORK_FUNDING_SAT = 1 * COIN;
/** The wallet's premine: genesis pays PREMINE_OUTPUTS outputs of PREMINE_SAT each (kept below 2^53 satoshis). */
export const PREMINE_SAT = 40_000_000 * COIN;
export const PREMINE_OUTPUTS = 10;
export const DEFAULT_FEE_SAT = 10_000;
/** A devchain transaction expires this many blocks above the tip it was built on. */
export const TX_EXPIRY_BLOCKS = 21;
export const MINER_REWARD_SAT = 7.5 * COIN;
export const NODE_PAYOUT_SAT: Record<Tier, number> = { CUMULUS: 1.125 * COIN, NIMBUS: 1.875 * COIN, STRATUS: 4.5 * COIN };
export const BLOCK_VERSION = 4;
export const BITS = '1f07ffff';
