#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { credsAuthenticator } from '@nats-io/transport-node';
import { FluxplaneClient } from '../client';
import { printEvents } from '../print-events';

/**
 * `node libs/client/dist/bin/print-events.js <app> [state-file]`: prints the app's AppRegistered and
 * InstanceStarted events; restarted, it goes on after the sequence stored in the state file.
 * NATS_URL (default nats://127.0.0.1:4222) and NATS_CREDS (a credentials file) from the environment.
 */
async function main(): Promise<void> {
  const [app, stateFile = `.fluxplane-client/${app}.seq`] = process.argv.slice(2);
  if (!app) {
    console.error('usage: print-events <app> [state-file]   (env NATS_URL, NATS_CREDS)');
    process.exit(2);
  }
  const creds = process.env.NATS_CREDS;
  const client = await FluxplaneClient.connect({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    connectOptions: { name: 'print-events', ...(creds ? { authenticator: credsAuthenticator(readFileSync(creds)) } : {}) },
  });
  const sub = await printEvents(client, { app, stateFile });
  console.error(`following ${app}; the last printed sequence is kept in ${stateFile} (Ctrl-C to stop)`);
  const stop = () => void client.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await sub.closed;
}

main().catch((err) => {
  const text = err instanceof Error ? err.message : String(err);
  console.error(/stream not found/i.test(text)
    ? `no event stream on ${process.env.NATS_URL ?? 'nats://127.0.0.1:4222'} (${text}): is the devnet up (bash scripts/devnet.sh)?`
    : text);
  process.exit(1);
});
