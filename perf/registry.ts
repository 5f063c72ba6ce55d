/**
 * Registry verification throughput: signed app-register messages fully verified per
 * second on one core (envelope, format, spec rules, hash, signature).
 *
 * Run from the repo root after `npm run build`:
 *
 *   node perf/dist/registry.js
 *
 * Prints one JSON line and saves it to perf/results/registry.json.
 * Options: PERF_SECONDS (default 5), PERF_MESSAGES (distinct messages, default 256).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  addressFromPrivateKey, exampleSpec, EXAMPLE_HEIGHT, messageHash, randomPrivateKey, signMessage, signedText, verifyMessage,
} from '@fluxplane/flux-spec';

const seconds = Number(process.env.PERF_SECONDS ?? 5);
const count = Number(process.env.PERF_MESSAGES ?? 256);

// Distinct owners and specs, so nothing is served from a cache of any kind.
function makeMessage(i: number) {
  const key = randomPrivateKey();
  const spec = exampleSpec(8, 1 + (i % 3));
  spec.name = `perfapp${i}`;
  spec.owner = addressFromPrivateKey(key);
  spec.description = `Benchmark application number ${i}`;
  const type = 'fluxappregister';
  const timestamp = 1_750_000_000_000 + i;
  const signature = signMessage(signedText(type, 1, spec, timestamp), key);
  return { type, version: 1, appSpecifications: spec, timestamp, signature, hash: messageHash(type, 1, spec, timestamp, signature) };
}

const messages = Array.from({ length: count }, (_, i) => makeMessage(i));
// Messages travel as JSON; verify fresh parses like a node receiving them would.
const wire = messages.map((m) => JSON.stringify(m));

for (const w of wire.slice(0, 8)) {
  const r = verifyMessage(JSON.parse(w), { height: EXAMPLE_HEIGHT });
  if (!r.ok) throw new Error(`benchmark message does not verify: ${r.error.message}`);
}

let verified = 0;
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));
let now = start;
while (now < deadline) {
  for (let k = 0; k < 64; k += 1) {
    const r = verifyMessage(JSON.parse(wire[verified % wire.length]!), { height: EXAMPLE_HEIGHT });
    if (!r.ok) throw new Error(r.error.message);
    verified += 1;
  }
  now = process.hrtime.bigint();
}
const elapsed = Number(now - start) / 1e9;

const line = JSON.stringify({ bench: 'registry', verified_per_s: Math.round(verified / elapsed) });
console.log(line);
const out = resolve(process.cwd(), 'perf/results');
mkdirSync(out, { recursive: true });
writeFileSync(resolve(out, 'registry.json'), `${line}\n`);
