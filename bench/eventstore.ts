/**
 * Event store append throughput against raw JetStream publishing, in one run on one private
 * nats-server (file storage). Appends carry an expected subject revision and a message id, over
 * many aggregates, pipelined: every aggregate appends its events one after the other (each append
 * needs the previous revision), and many aggregates are in flight at once.
 *
 *   npm run build && node bench/dist/eventstore.js
 * Prints one JSON line: {"bench":"eventstore","appends_per_s":…,"raw_publish_per_s":…,"ratio":…}
 */
import { makeEvent, EventEnvelope } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { startNats } from '@fluxplane/testkit';

const AGGREGATES = Number(process.env.BENCH_AGGREGATES ?? 2000);
const EVENTS_PER_AGGREGATE = Number(process.env.BENCH_EVENTS_PER_AGGREGATE ?? 15);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

function payloads(round: string): EventEnvelope[][] {
  return Array.from({ length: AGGREGATES }, (_, a) =>
    Array.from({ length: EVENTS_PER_AGGREGATE }, (_, i) =>
      makeEvent('NodeBenchmarked', `bench.${round}.agg${a}`, {
        nodeId: `node-${a}`, passed: true, tier: 'NIMBUS', cores: 8, ramMb: 32000, eps: 1000 + i, diskWriteMbps: 420.5, benchVersion: '1.0.0',
      })));
}

/** Runs `work` for every index with at most `limit` in flight. */
async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

async function measureAppends(store: EventStore, round: string): Promise<number> {
  const batches = payloads(round);
  const t0 = process.hrtime.bigint();
  await pool(AGGREGATES, IN_FLIGHT, async (a) => {
    let revision = 0;
    for (const e of batches[a]!) revision = (await store.append(e.subject, [e], revision)).revision;
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return (AGGREGATES * EVENTS_PER_AGGREGATE) / s;
}

async function measureRaw(store: EventStore, round: string): Promise<number> {
  const flat = payloads(round).flat();
  const t0 = process.hrtime.bigint();
  await pool(flat.length, IN_FLIGHT, async (i) => {
    const e = flat[i]!;
    await store.js.publish(e.subject, JSON.stringify(e));
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return flat.length / s;
}

async function main() {
  const nats = await startNats();
  const store = await EventStore.connect({ servers: nats.url, stream: 'BENCH', subjects: ['bench.>'] });
  try {
    // Warm up both paths (JIT, connection buffers, stream files).
    await measureRaw(store, 'warm-raw');
    await measureAppends(store, 'warm-app');
    let appends = 0;
    let raw = 0;
    for (let r = 0; r < ROUNDS; r++) {
      raw = Math.max(raw, await measureRaw(store, `raw${r}`));
      appends = Math.max(appends, await measureAppends(store, `app${r}`));
    }
    const out = {
      bench: 'eventstore',
      appends_per_s: Math.round(appends),
      raw_publish_per_s: Math.round(raw),
      ratio: Number((appends / raw).toFixed(3)),
      events: AGGREGATES * EVENTS_PER_AGGREGATE,
      aggregates: AGGREGATES,
      in_flight: IN_FLIGHT,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await store.close();
    await nats.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${String(err?.stack ?? err)}\n`);
  process.exit(1);
});
