#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { errorText } from '@fluxplane/observability';
import { ConfigError } from './config';
import { serve } from './serve';

/*
 * devchain serve                                        run the devchain (env DEVCHAIN_*)
 * devchain status
 * devchain register-node --ip 10.0.0.1:16127 --collateral 12500
 * devchain expire-node --node-id <txid:n>
 * devchain pay --hash <64 hex> --amount 1.5 [--address t3…]
 * devchain softfork --message p_0.06_0.02_0.008_0.01
 * devchain generate 100 [--mix] [--registrations 0.1 --payments 0.3 --expiries 0.01 --seed 7]
 * devchain reorg --depth 3 [--mode remine|drop]
 * Every command but serve talks to a running devchain's control API (--url, default from
 * DEVCHAIN_RPC_HOST/DEVCHAIN_RPC_PORT; basic auth from DEVCHAIN_RPC_USER/DEVCHAIN_RPC_PASSWORD).
 */

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
};

function defaultUrl(): string {
  const host = process.env.DEVCHAIN_RPC_HOST || '127.0.0.1';
  const port = process.env.DEVCHAIN_RPC_PORT || '16124';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function control(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const user = process.env.DEVCHAIN_RPC_USER;
  if (user) headers.authorization = `Basic ${Buffer.from(`${user}:${process.env.DEVCHAIN_RPC_PASSWORD ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, url), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new Error(`cannot reach the devchain at ${url} (${cause?.code ?? errorText(error)}); is "devchain serve" running?`, { cause: error });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${(json as { error?: string })?.error ?? text}`);
  return json;
}

const print = (value: unknown): void => console.log(JSON.stringify(value, null, 2));

const program = new Command();
program.name('devchain').description('A local fluxd stand-in: fluxd JSON-RPC plus a control API');
program.option('--url <url>', 'control API base URL of a running devchain', defaultUrl());
const url = (): string => program.opts<{ url: string }>().url;

program
  .command('serve')
  .description('run the devchain (configured by DEVCHAIN_* environment variables)')
  .action(async () => {
    const running = await serve();
    const stop = (): void => void running.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('status')
  .description('height, tip, mempool and node count')
  .action(async () => print(await control(url(), 'GET', '/control/status')));

program
  .command('register-node')
  .description('collateral output, then a fluxnode start and a confirm (with the ip) in the next blocks')
  .requiredOption('--ip <ip>', 'the node ip (as fluxd stores it, e.g. 10.0.0.1:16127)')
  .requiredOption('--collateral <flux>', '1000 (CUMULUS), 12500 (NIMBUS) or 40000 (STRATUS)', positiveNumber)
  .action(async (o: { ip: string; collateral: number }) => print(await control(url(), 'POST', '/control/nodes', o)));

program
  .command('expire-node')
  .description("spend a node's collateral, which removes it from the deterministic list")
  .requiredOption('--node-id <outpoint>', 'the collateral outpoint txid:n')
  .action(async (o: { nodeId: string }) => print(await control(url(), 'POST', '/control/nodes/expire', { nodeId: o.nodeId })));

program
  .command('pay')
  .description('pay the apps address with the hash as OP_RETURN (last output)')
  .requiredOption('--hash <hash>', 'the app message hash (64 hex characters)')
  .requiredOption('--amount <flux>', 'amount in FLUX', positiveNumber)
  .option('--address <address>', 'pay this address instead of the apps address')
  .action(async (o: { hash: string; amount: number; address?: string }) => print(await control(url(), 'POST', '/control/payments', o)));

program
  .command('softfork')
  .description('a soft fork message from the foundation multisig to itself (OP_RETURN last), e.g. a price change')
  .requiredOption('--message <text>', 'p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>] for prices (FLUX per month)')
  .action(async (o: { message: string }) => print(await control(url(), 'POST', '/control/softfork', { message: o.message })));

program
  .command('generate')
  .description('mine N blocks now')
  .argument('<n>', 'number of blocks', positiveInt)
  .option('--mix', 'add a synthetic mix of node registrations, payments and expiries')
  .option('--registrations <rate>', 'node registrations per block (implies --mix)', positiveNumber)
  .option('--payments <rate>', 'app payments per block (implies --mix)', positiveNumber)
  .option('--expiries <rate>', 'node expiries per block (implies --mix)', positiveNumber)
  .option('--seed <seed>', 'PRNG seed of the mix', positiveInt)
  .action(async (n: number, o: { mix?: boolean; registrations?: number; payments?: number; expiries?: number; seed?: number }) => {
    const custom = o.registrations !== undefined || o.payments !== undefined || o.expiries !== undefined;
    const mix =
      o.mix || custom
        ? {
            registrations: o.registrations ?? (custom ? 0 : 0.05),
            payments: o.payments ?? (custom ? 0 : 0.2),
            expiries: o.expiries ?? (custom ? 0 : 0.01),
            ...(o.seed !== undefined ? { seed: o.seed } : {}),
          }
        : undefined;
    print(await control(url(), 'POST', '/control/generate', { blocks: n, ...(mix ? { mix } : {}) }));
  });

program
  .command('reorg')
  .description('replace the last N blocks with a different branch one block longer')
  .requiredOption('--depth <n>', 'number of blocks to replace', positiveInt)
  .option('--mode <mode>', 'remine (losing txs re-mined) or drop (losing txs and mempool discarded)')
  .action(async (o: { depth: number; mode?: string }) => print(await control(url(), 'POST', '/control/reorg', o)));

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `devchain: ${errorText(error)}`);
  process.exit(1);
});
