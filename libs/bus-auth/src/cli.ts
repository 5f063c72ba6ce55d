#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { generateBusAuth } from './generate';

const usage = `usage: fluxplane-nats-auth --out DIR [--node ID[@IP]]... [--stream NAME] [--rotate IDENTITY]...

Writes DIR/<identity>.nk (nkey seed, mode 600), DIR/<identity>.env (NATS_NKEY_SEED, NATS_INBOX_PREFIX)
and DIR/nats-auth.conf (include it in nats-server's config). Existing seeds are kept unless rotated.
Identities: chain-indexer app-registry bench scheduler domain-manager stats gateway admin, and
node-<ID> for each --node.`;

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      node: { type: 'string', multiple: true, default: [] },
      stream: { type: 'string' },
      rotate: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    process.stderr.write(`${usage}\n`);
    process.exit(values.help ? 0 : 64);
  }
  const nodes = values.node.map((n) => {
    const at = n.lastIndexOf('@');
    return at > 0 ? { nodeId: n.slice(0, at), ip: n.slice(at + 1) } : { nodeId: n };
  });
  const out = generateBusAuth({ dir: values.out, nodes, stream: values.stream, rotate: values.rotate });
  for (const id of out.identities) process.stdout.write(`${id.name}\t${id.publicKey}\t${id.envFile}\n`);
  process.stdout.write(`server config: ${out.configFile}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`fluxplane-nats-auth: ${(err as Error).message}\n`);
  process.exit(1);
}
