/**
 * The event store's append workload, shared by perf/eventstore.ts (one server) and
 * perf/eventstore-cluster.ts (what durability costs): one event per append carrying the expected
 * subject revision and a message id, over many aggregates, pipelined — each aggregate appends its
 * events one after the other (each append needs the previous revision) while many aggregates are in
 * flight; against raw JetStream publishes of the same events.
 */
import { makeEvent, type EventEnvelope } from '@fluxplane/contracts';
import type { EventStore } from '@fluxplane/eventstore';

export interface AppendWorkload {
  aggregates: number;
  eventsPerAggregate: number;
  inFlight: number;
  rounds: number;
}

/** The workload's size from PERF_AGGREGATES, PERF_EVENTS_PER_AGGREGATE, PERF_IN_FLIGHT, PERF_ROUNDS. */
export function workloadFromEnv(defaults: AppendWorkload): AppendWorkload {
  const n = (name: string, d: number) => Number(process.env[name] ?? d);
  return {
    aggregates: n('PERF_AGGREGATES', defaults.aggregates),
    eventsPerAggregate: n('PERF_EVENTS_PER_AGGREGATE', defaults.eventsPerAggregate),
    inFlight: n('PERF_IN_FLIGHT', defaults.inFlight),
    rounds: n('PERF_ROUNDS', defaults.rounds),
  };
}

/** Runs `work` for every index with at most `limit` in flight. */
export async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

function payloads(w: AppendWorkload, round: string): EventEnvelope[][] {
  return Array.from({ length: w.aggregates }, (_, a) =>
    Array.from({ length: w.eventsPerAggregate }, (_, i) =>
      makeEvent('NodeBenchmarked', `perf.${round}.agg${a}`, {
        nodeId: `node-${a}`, passed: true, tier: 'NIMBUS', cores: 8, ramMb: 32000, eps: 1000 + i, diskWriteMbps: 420.5, benchVersion: '1.0.0',
      })));
}

const perSecond = (count: number, t0: bigint) => count / (Number(process.hrtime.bigint() - t0) / 1e9);

/** Event store appends per second (revision-checked, one aggregate's events in order). */
export async function measureAppends(store: EventStore, w: AppendWorkload, round: string): Promise<number> {
  const batches = payloads(w, round);
  const t0 = process.hrtime.bigint();
  await pool(w.aggregates, w.inFlight, async (a) => {
    let revision = 0;
    for (const e of batches[a]!) revision = (await store.append(e.subject, [e], revision)).revision;
  });
  return perSecond(w.aggregates * w.eventsPerAggregate, t0);
}

/** Raw JetStream publishes per second of as many events, as many in flight. */
export async function measureRaw(store: EventStore, w: AppendWorkload, round: string): Promise<number> {
  const flat = payloads(w, round).flat();
  const t0 = process.hrtime.bigint();
  await pool(flat.length, w.inFlight, async (i) => {
    const e = flat[i]!;
    await store.js.publish(e.subject, JSON.stringify(e));
  });
  return perSecond(flat.length, t0);
}

/** Both paths warmed up (JIT, connection buffers, stream files), then the best of `rounds` each. */
export async function measureBest(store: EventStore, w: AppendWorkload): Promise<{ appends: number; raw: number }> {
  await measureRaw(store, w, 'warm-raw');
  await measureAppends(store, w, 'warm-app');
  let appends = 0;
  let raw = 0;
  for (let r = 0; r < w.rounds; r++) {
    raw = Math.max(raw, await measureRaw(store, w, `raw${r}`));
    appends = Math.max(appends, await measureAppends(store, w, `app${r}`));
  }
  return { appends, raw };
}
