import { z } from 'zod';
import { errorText } from '@fluxplane/observability';
import { decodeAddress } from './chain/encoding';
import { MAINNET_APPS_ADDRESS } from './chain/model';

/**
 * Environment of `devchain serve`:
 * - DEVCHAIN_RPC_HOST          listen address (default 127.0.0.1)
 * - DEVCHAIN_RPC_PORT          JSON-RPC + control port (default 16124, fluxd's mainnet RPC port; 0 = any free port)
 * - DEVCHAIN_BLOCK_INTERVAL_MS a block every N ms (default 1000; 30000 is Flux's post-PON pace; 0 = only on demand)
 * - DEVCHAIN_DATA_FILE         optional JSON-lines block log, reloaded on start
 * - DEVCHAIN_REORG_MODE        remine (default) | drop: what a reorg does with the losing branch's transactions
 * - DEVCHAIN_RPC_USER / DEVCHAIN_RPC_PASSWORD  optional HTTP basic auth (both or neither)
 * - DEVCHAIN_APPS_ADDRESS      where payments go by default (default t3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX)
 */
export interface DevchainConfig {
  host: string;
  port: number;
  blockIntervalMs: number;
  dataFile: string | undefined;
  reorgMode: 'remine' | 'drop';
  auth: { user: string; password: string } | undefined;
  appsAddress: string;
}

const intFrom = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const envSchema = z.object({
  DEVCHAIN_RPC_HOST: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? '127.0.0.1' : v)),
  DEVCHAIN_RPC_PORT: intFrom(0, 65535, 16124),
  DEVCHAIN_BLOCK_INTERVAL_MS: intFrom(0, 24 * 3600 * 1000, 1000),
  DEVCHAIN_DATA_FILE: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v)),
  DEVCHAIN_REORG_MODE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 'remine' as const;
      if (v === 'remine' || v === 'drop') return v;
      ctx.addIssue({ code: 'custom', message: `expected "remine" or "drop", got "${v}"` });
      return z.NEVER;
    }),
  DEVCHAIN_RPC_USER: z.string().optional(),
  DEVCHAIN_RPC_PASSWORD: z.string().optional(),
  DEVCHAIN_APPS_ADDRESS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return MAINNET_APPS_ADDRESS;
      try {
        decodeAddress(v);
        return v;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a transparent Flux address: ${errorText(error)}` });
        return z.NEVER;
      }
    }),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validate the environment; throws a {@link ConfigError} naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DevchainConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(`invalid devchain environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const hasUser = e.DEVCHAIN_RPC_USER !== undefined && e.DEVCHAIN_RPC_USER !== '';
  const hasPassword = e.DEVCHAIN_RPC_PASSWORD !== undefined && e.DEVCHAIN_RPC_PASSWORD !== '';
  if (hasUser !== hasPassword) {
    throw new ConfigError(
      `invalid devchain environment:\n  ${hasUser ? 'DEVCHAIN_RPC_PASSWORD' : 'DEVCHAIN_RPC_USER'}: required when ${hasUser ? 'DEVCHAIN_RPC_USER' : 'DEVCHAIN_RPC_PASSWORD'} is set`,
    );
  }
  return {
    host: e.DEVCHAIN_RPC_HOST,
    port: e.DEVCHAIN_RPC_PORT,
    blockIntervalMs: e.DEVCHAIN_BLOCK_INTERVAL_MS,
    dataFile: e.DEVCHAIN_DATA_FILE,
    reorgMode: e.DEVCHAIN_REORG_MODE,
    auth: hasUser ? { user: e.DEVCHAIN_RPC_USER!, password: e.DEVCHAIN_RPC_PASSWORD! } : undefined,
    appsAddress: e.DEVCHAIN_APPS_ADDRESS,
  };
}
