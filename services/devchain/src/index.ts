export {
  DevChain,
  DevChainError,
  MAINNET_APPS_ADDRESS,
  DEVCHAIN_WALLET_ADDRESS,
  DEVCHAIN_MINER_ADDRESS,
  PREMINE_SAT,
  type DevChainOptions,
  type ReorgMode,
  type ReorgResult,
  type RegisteredNode,
  type NodeRecord,
  type ChainTip,
  type SyntheticMix,
} from './chain/model';
export { mulberry32 } from './chain/synthetic-mix';
export { renderBlock, renderTx, renderDeterministicList } from './chain/render';
export { COIN, tierOfCollateral, type Block, type Tx, type Tier } from './chain/types';
export { encodeAddress, decodeAddress } from './chain/encoding';
export { startDevchainServer, type DevchainServerOptions, type RunningDevchain } from './server';
export { loadConfig, ConfigError, type DevchainConfig } from './config';
export { readBlockLog, BlockLog } from './persistence';
export { serve } from './serve';
