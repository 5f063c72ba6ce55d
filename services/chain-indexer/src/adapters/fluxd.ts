import { FluxdRpcClient } from '@fluxplane/fluxd-rpc';
import type { IndexerConfig } from '../config';

/** Injection token of the fluxd JSON-RPC client (the only way the indexer sees the chain). */
export const FLUXD_RPC = Symbol('fluxd-rpc');

export function fluxdRpcFactory(config: IndexerConfig): FluxdRpcClient {
  return new FluxdRpcClient({ url: config.FLUXD_RPC_URL, user: config.FLUXD_RPC_USER, password: config.FLUXD_RPC_PASSWORD, timeoutMs: config.RPC_TIMEOUT_MS });
}
