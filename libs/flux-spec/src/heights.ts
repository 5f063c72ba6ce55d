/**
 * Every block height at which a FluxOS app rule changes, in one place.
 *
 * Rules that depend on the chain take the height as an input and compare it with
 * these constants; nothing else in the library hard-codes a height, so a fork that
 * moves is a one-line change here. Values are mainnet (`ZelBack/config/default.js`).
 */

/** Height from which each spec version may be registered (`appSpecsEnforcementHeights`). */
export const SPEC_VERSION_ACTIVATION: Readonly<Record<number, number>> = Object.freeze({
  1: 0,
  2: 0,
  3: 983_000,
  4: 1_004_000,
  5: 1_142_000,
  6: 1_300_000,
  7: 1_420_000,
  8: 1_932_380,
});

/** From here host ports may be 1–65535; before, only 31000–39999 (`portBlockheightChange`). */
export const PORT_RANGE_WIDENED = 1_420_000;

/** From here a compose app may have 10 components instead of 5 (the v6 activation height). */
export const COMPOSE_TEN_COMPONENTS = 1_300_000;

/** From here a v8 app may run a single instance (`minimumInstancesV8Block`). */
export const V8_SINGLE_INSTANCE = 2_176_519;

/** Below this the minimum expire is 5000 blocks, from here 100 (`newMinBlocksAllowanceBlock`). */
export const EXPIRE_MIN_100 = 1_630_040;

/** From here the minimum expire is 1 block (`cancel1BlockMinBlocksAllowanceBlock`). */
export const EXPIRE_MIN_1 = 1_964_447;

/** Below this, expire must be a multiple of 1000 (`removeBlocksAllowanceIntervalBlock`). */
export const EXPIRE_MULTIPLE_DROPPED = 1_625_000;

/**
 * Proof-of-Node fork: blocks come 4× faster afterwards, so block-counted durations
 * (default and maximum expire) are 4× larger from here (`daemonPONFork`).
 */
export const PON_FORK = 2_020_000;

/** From here the price is multiplied by the instance count (`applyMinimumForExtraInstances`). */
export const PRICE_PER_INSTANCE = 1_890_000;

/** From here a schedule entry's `minUSDPrice`, when present, is a floor (`applyMinimumPriceOn3Instances`). */
export const PRICE_MIN_USD_FLOOR = 1_691_000;

/** Apps messages are only indexed from this height (`epochstart`). */
export const APPS_EPOCH_START = 694_000;

/**
 * Not a height but the same kind of switch: Ethereum-signed messages are accepted only
 * when their timestamp (ms) is strictly greater than this (2023-07-10T00:00:00Z).
 */
export const ETH_SIGNATURES_AFTER_TIMESTAMP = 1_688_947_200_000;
