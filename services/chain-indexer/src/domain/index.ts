export {
  MAINNET_CHAIN_FACTS_CONFIG,
  DEVCHAIN_CHAIN_FACTS_CONFIG,
  appsAddressesFor,
  type ChainFactsConfig,
} from './config';
// Payment addresses are protocol constants (libs/flux-spec); re-exported for the indexer's users.
export { MAINNET_APPS_ADDRESSES, FOUNDATION_MULTISIGS } from '@fluxplane/flux-spec';
export { tierFromCollateral, isCollateralAmount, SATS_PER_FLUX, type Tier } from '@fluxplane/flux-spec';
export { decodeOpReturnMessage } from './op-return';
export { parsePriceMessage, softForkMessage, softForkVersion, PRICE_MESSAGE_DEFAULTS, type PriceValues } from './soft-fork';
export {
  emptyChainIndexerState,
  applyStateDelta,
  mutateStateWithDelta,
  invertStateDelta,
  serializeState,
  deserializeState,
  type ChainIndexerState,
  type MutableChainIndexerState,
  type NodeEntry,
  type StateChange,
  type StateDelta,
  type SerializedChainIndexerState,
} from './state';
export {
  extractBlockFacts,
  indexBlock,
  isFluxnodeTx,
  FLUXNODE_START,
  FLUXNODE_CONFIRM,
  type ChainFact,
  type NodeRegisteredFact,
  type NodeConfirmedFact,
  type NodeExpiredFact,
  type AppPaymentFact,
  type PriceSoftForkFact,
  type NodeUnknownCollateralFact,
  type BlockFacts,
  type FactBlock,
  type FactTx,
  type FactTransparentTx,
  type FactFluxnodeTx,
  type FactVin,
  type FactVout,
} from './facts';
export {
  undoFacts,
  forkHeight,
  type UndoFact,
  type NodeRegistrationRevertedFact,
  type NodeExpiryRevertedFact,
  type AppPaymentRevertedFact,
  type PriceSoftForkRevertedFact,
} from './undo';
export { backoffMs, type BackoffPolicy } from './backoff';
