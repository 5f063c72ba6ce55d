/**
 * Event store append throughput against raw JetStream publishing, in one run on one private
 * nats-server (file storage). Appends carry an expected subject revision and a message id, over
 * many aggregates, pipelined: every aggregate appends its events one after the other (each append
 * needs the previous revision), and many aggregates are in flight at once.
 *
 *   npm run build && node perf/dist/eventstore.js
 * Prints one JSON line: {"bench":"eventstore","appends_per_s":…,"raw_publish_per_s":…,"ratio":…}
 */
import { EventStore } from '@fluxplane/eventstore';
import { startNats } from '@fluxplane/testkit';
import { measureBest, workloadFromEnv } from './append-workload';

const WORKLOAD = workloadFromEnv({ aggregates: 2000, eventsPerAggregate: 15, inFlight: 512, rounds: 2 });

async function main() {
  const nats = await startNats();
  const store = await EventStore.connect({ servers: nats.url, stream: 'PERF', subjects: ['perf.>'] });
  try {
    const { appends, raw } = await measureBest(store, WORKLOAD);
    const out = {
      bench: 'eventstore',
      appends_per_s: Math.round(appends),
      raw_publish_per_s: Math.round(raw),
      ratio: Number((appends / raw).toFixed(3)),
      events: WORKLOAD.aggregates * WORKLOAD.eventsPerAggregate,
      aggregates: WORKLOAD.aggregates,
      in_flight: WORKLOAD.inFlight,
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
