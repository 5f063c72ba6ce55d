#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addressFromPrivateKey, buildAppMessage, formatSpec } from '@fluxplane/flux-spec';
import { errorText } from '@fluxplane/observability';
import { GatewayClient, GatewayError } from './gateway-client';
import { newKeyFile, readKey } from './keys';
import { watchApp } from './watch';
import { formatPlacement, parsePlacement } from './placement';

const program = new Command('fluxplane').description('Sign, register and watch Flux apps through a FluxOS-compatible gateway');

/** A positive number option, or an error naming it: `Number('soon')` is NaN, and a NaN deadline never passes. */
function positiveNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || value.trim() === '') throw new Error(`${option}: expected a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function loadSpec(file: string, key: string): Record<string, unknown> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${errorText(err)}`, { cause: err });
  }
  // `null`, an array or a number used to fail with "Cannot read properties of null (reading 'owner')".
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: a spec must be a JSON object`);
  // The key's address owns the app unless the file names an owner.
  if (!raw.owner) raw.owner = addressFromPrivateKey(key);
  return formatSpec(raw) as unknown as Record<string, unknown>;
}

program.command('keygen')
  .description('create a private key file and print its ZelID address')
  .argument('<file>', 'where to write the key (hex, mode 600)')
  .action((file: string) => {
    console.log(newKeyFile(file).address);
  });

program.command('sign')
  .description('print the signed register/update message for a spec file')
  .argument('<spec>', 'spec JSON file')
  .requiredOption('-k, --key <key>', 'private key (WIF or hex) or a file holding it')
  .option('--update', 'sign an update instead of a registration')
  .action((file: string, o: { key: string; update?: boolean }) => {
    const key = readKey(o.key);
    console.log(JSON.stringify(buildAppMessage(o.update ? 'fluxappupdate' : 'fluxappregister', loadSpec(file, key), key)));
  });

for (const kind of ['register', 'update'] as const) {
  program.command(kind)
    .description(`sign a spec file and ${kind} it through the gateway; optionally pay on a devchain and watch it start`)
    .argument('<spec>', 'spec JSON file')
    .requiredOption('-k, --key <key>', 'private key (WIF or hex) or a file holding it')
    .option('-g, --gateway <url>', 'gateway base URL', process.env.FLUXPLANE_GATEWAY ?? 'http://127.0.0.1:16127')
    .option('--pay-devchain <url>', 'pay the price on this devchain control API (development only)')
    .option('--amount <flux>', 'amount to pay instead of the computed price')
    .option('-w, --watch', 'wait until every instance runs, showing progress')
    .option('--timeout <seconds>', 'how long to watch', '180')
    .action(async (file: string, o: { key: string; gateway: string; payDevchain?: string; amount?: string; watch?: boolean; timeout: string }) => {
      // Checked before anything is sent: a bad --timeout used to surface only once the app was registered (and hang).
      const timeoutSeconds = positiveNumber('--timeout', o.timeout)!;
      const fixedAmount = positiveNumber('--amount', o.amount);
      const key = readKey(o.key);
      const gw = new GatewayClient(o.gateway);
      const spec = loadSpec(file, key);
      const zelid = await gw.login(key);
      console.log(`logged in as ${zelid}`);
      const message = buildAppMessage(kind === 'register' ? 'fluxappregister' : 'fluxappupdate', spec, key);
      const hash = await gw.post<string>(kind === 'register' ? '/apps/appregister' : '/apps/appupdate', message);
      console.log(`${kind === 'register' ? 'registration' : 'update'} accepted: ${spec.name} hash ${hash}`);
      if (o.payDevchain) {
        // The gateway prices at its rules height for the next block (an update pays less the unused part of the current one).
        const amount = fixedAmount ?? (await gw.post<{ flux: number }>('/apps/calculateprice', spec)).flux;
        const res = await fetch(new URL('/control/payments', o.payDevchain), {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hash, amount }),
        });
        if (!res.ok) throw new Error(`devchain payment failed: HTTP ${res.status} ${await res.text()}`);
        const paid = (await res.json()) as { txid: string };
        console.log(`paid ${amount} FLUX to the apps address in ${paid.txid}`);
      }
      if (o.watch) {
        const r = await watchApp(gw, { name: String(spec.name), hash, timeoutMs: timeoutSeconds * 1000, intervalMs: 1000, progress: (l) => console.log(`  ${l}`) });
        console.log(`${spec.name} is running on ${r.running} nodes`);
      }
    });
}

program.command('login')
  .description('log in with a key and print the zelidauth header value for other FluxOS clients (curl -H "zelidauth: …")')
  .requiredOption('-k, --key <key>', 'private key (WIF or hex) or a file holding it')
  .option('-g, --gateway <url>', 'gateway base URL', process.env.FLUXPLANE_GATEWAY ?? 'http://127.0.0.1:16127')
  .action(async (o: { key: string; gateway: string }) => {
    const gw = new GatewayClient(o.gateway);
    await gw.login(readKey(o.key));
    console.log(gw.authHeader);
  });

program.command('status')
  .description('show an app\'s spec hash and where it runs')
  .argument('<name>')
  .option('-g, --gateway <url>', 'gateway base URL', process.env.FLUXPLANE_GATEWAY ?? 'http://127.0.0.1:16127')
  .action(async (name: string, o: { gateway: string }) => {
    const gw = new GatewayClient(o.gateway);
    const spec = await gw.get<Record<string, unknown>>(`/apps/appspecifications/${encodeURIComponent(name)}`);
    const locations = await gw.get<Array<{ ip: string }>>(`/apps/location/${encodeURIComponent(name)}`);
    console.log(JSON.stringify({ name: spec.name, hash: spec.hash, height: spec.height, instances: spec.instances, running: locations.map((l) => l.ip) }, null, 2));
  });

program.command('placement')
  .description('why an app is (not) placed: per rule, how many nodes it rules out, and where each instance runs and why; with --spec, a dry run of a spec that is not registered')
  .argument('[name]', 'a registered app')
  .option('-s, --spec <file>', 'a spec JSON file to judge instead (dry run)')
  .option('--json', 'print the answer as JSON')
  .option('-g, --gateway <url>', 'gateway base URL', process.env.FLUXPLANE_GATEWAY ?? 'http://127.0.0.1:16127')
  .action(async (name: string | undefined, o: { spec?: string; json?: boolean; gateway: string }) => {
    if (!name && !o.spec) throw new Error('give an app name or --spec <file>');
    const gw = new GatewayClient(o.gateway);
    let data: unknown;
    if (o.spec) {
      let spec: unknown;
      try {
        spec = JSON.parse(readFileSync(o.spec, 'utf8'));
      } catch (err) {
        throw new Error(`${o.spec}: ${errorText(err)}`, { cause: err });
      }
      data = await gw.post('/apps/placement', spec);
    } else {
      data = await gw.get(`/apps/placement/${encodeURIComponent(name!)}`);
    }
    const e = parsePlacement(data);
    console.log(o.json ? JSON.stringify(e, null, 2) : formatPlacement(e));
  });

program.parseAsync().catch((err) => {
  const prefix = err instanceof GatewayError && err.errorName ? `${err.errorName}: ` : '';
  process.stderr.write(`error: ${prefix}${err.message}\n`);
  process.exit(1);
});
