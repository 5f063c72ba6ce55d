import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { runtimeView } from '@fluxplane/flux-spec';
import { makeEvent, Rpc, Subjects, type DomainEvent, type EventEnvelope } from '@fluxplane/contracts';
import { eventStoreFixture, EventStoreFixture, waitUntil } from '@fluxplane/testkit';
import { FluxplaneClient, printEvents, RpcError, type InvalidEvent } from '../src';

const HASH = 'a'.repeat(64);
const spec = { name: 'demo', instances: 3 };
const registered = (name: string, height: number) => makeEvent('AppRegistered', Subjects.app(name), {
  name, hash: HASH, owner: 'o', spec: { ...spec, name }, runtime: runtimeView({ ...spec, name }), txid: `tx${height}`, height,
  expireBlocks: 22000, expiresAtHeight: height + 22000, timestamp: 1, signature: 's', amountSat: 1,
});
const started = (app: string, nodeId: string) => makeEvent('InstanceStarted', Subjects.instance(app, nodeId), {
  app, nodeId, ip: '127.0.0.1', specHash: HASH, ports: [8080], containers: [],
});
const wentDown = (nodeId: string) => makeEvent('NodeWentDown', Subjects.node(nodeId), { nodeId, lastSeen: new Date(0).toISOString() });

/**
 * The SDK against a real (private) NATS with the event stream: typed events in stream order,
 * filtered by type, resumed from a stored sequence, durable consumers going on after a restart,
 * malformed messages reported with what was wrong; queries and commands validated both ways.
 */
describe('@fluxplane/client', () => {
  let fx: EventStoreFixture;
  let client: FluxplaneClient;
  const seqs: number[] = [];
  const append = async (e: EventEnvelope) => {
    const r = await fx.store.append(e.subject, [e], 'any');
    seqs.push(r.revision);
    return r.revision;
  };

  beforeAll(async () => {
    fx = await eventStoreFixture();
    client = fx.own(await FluxplaneClient.connect({ servers: fx.nats.url }));
    await append(registered('demo', 5));
    await append(started('demo', 'n1'));
    await append(wentDown('n1'));
    await append(started('demo', 'n2'));
    await append(registered('other', 6));
    await append(started('other', 'n1'));
  });
  afterAll(() => fx?.close());

  it('delivers typed events in stream order, and only the types asked for', async () => {
    const all: Array<{ seq: number; type: string }> = [];
    const sub = await client.subscribe({ onEvent: (e, d) => void all.push({ seq: d.seq, type: e.type }) });
    await sub.caughtUp();
    await sub.stop();
    expect(all.map((x) => x.seq)).toEqual(seqs.slice(0, 6));
    expect(all.map((x) => x.type)).toEqual(['AppRegistered', 'InstanceStarted', 'NodeWentDown', 'InstanceStarted', 'AppRegistered', 'InstanceStarted']);

    const seen: string[] = [];
    const typed = await client.subscribe({
      types: ['InstanceStarted'],
      subject: Subjects.all.instances,
      onEvent: (e) => {
        // the type narrows the data: nodeId exists only on instance events
        seen.push(`${e.data.app}@${e.data.nodeId}`);
      },
    });
    await typed.caughtUp();
    await typed.stop();
    expect(seen).toEqual(['demo@n1', 'demo@n2', 'other@n1']);
  });

  it('resumes after a stored sequence, and delivers what is appended later', async () => {
    const got: number[] = [];
    const sub = await client.subscribe({ from: { afterSeq: seqs[2]! }, onEvent: (_e, d) => void got.push(d.seq) });
    await sub.caughtUp();
    expect(got).toEqual(seqs.slice(3, 6));
    const later = await append(wentDown('n9'));
    await waitUntil(() => got.includes(later), { timeoutMs: 5_000, what: 'the event appended later' });
    await sub.stop();
    expect(got).toEqual([...seqs.slice(3, 6), later]);
    expect(sub.lastSeq).toBe(later);
  });

  it('a durable consumer goes on where it stopped after a restart', async () => {
    const first: number[] = [];
    const a = await client.subscribe({ durable: 'sdk-test', types: ['NodeWentDown'], onEvent: (_e, d) => void first.push(d.seq) });
    await a.caughtUp();
    await a.stop();
    expect(first).toEqual([seqs[2], seqs[6]]);
    const next = await append(wentDown('n7'));
    const second: number[] = [];
    const b = await client.subscribe({ durable: 'sdk-test', types: ['NodeWentDown'], onEvent: (_e, d) => void second.push(d.seq) });
    await waitUntil(() => second.length > 0, { timeoutMs: 5_000, what: 'the durable consumer\'s next event' });
    await b.caughtUp();
    await b.stop();
    expect(second).toEqual([next]);
    await expect(client.subscribe({ durable: 'sdk-test', subject: Subjects.all.nodes, onEvent: () => undefined }))
      .rejects.toThrow('durable consumer sdk-test exists with filter evt.>, not evt.node.>');
  });

  it('reports malformed messages with what was wrong, and goes on', async () => {
    const js = jetstream(fx.store.nc);
    const bad = started('demo', 'n3') as DomainEvent & { data: Record<string, unknown> };
    const notJson = (await js.publish(Subjects.app('broken'), '{not json')).seq;
    const badData = (await js.publish(Subjects.instance('demo', 'n3'), JSON.stringify({ ...bad, data: { ...bad.data, ports: ['http'] } }))).seq;
    const unknownType = (await js.publish(Subjects.app('broken'), JSON.stringify({ ...bad, subject: Subjects.app('broken'), type: 'AppTeleported' }))).seq;
    // an AppRegistered written with schema v1 (no `runtime`) is read as today's v2
    const v1 = registered('old', 7) as EventEnvelope<'AppRegistered', Record<string, unknown>>;
    const { runtime: _runtime, ...v1Data } = v1.data;
    const upcast = (await js.publish(Subjects.app('old'), JSON.stringify({ ...v1, schemaVersion: 1, data: v1Data }))).seq;
    const good = await append(started('demo', 'n4'));

    const invalid: InvalidEvent[] = [];
    const events: DomainEvent[] = [];
    const sub = await client.subscribe({ from: { afterSeq: notJson - 1 }, onEvent: (e) => void events.push(e), onInvalid: (i) => void invalid.push(i) });
    await sub.caughtUp();
    await sub.stop();
    expect(invalid.map((i) => i.seq)).toEqual([notJson, badData, unknownType]);
    expect(invalid[0]).toMatchObject({ subject: 'evt.app.broken', raw: '{not json' });
    expect(invalid[0]!.reason).toMatch(/^not JSON/);
    expect(invalid[1]!.reason).toMatch(/^invalid InstanceStarted: data\.ports\.0: /);
    expect(invalid[2]!.reason).toBe("unknown event type 'AppTeleported'");
    expect(events.map((e) => e.type)).toEqual(['AppRegistered', 'InstanceStarted']);
    const old = events[0]!;
    expect(old.type === 'AppRegistered' && old.schemaVersion === 2 && old.data.runtime).toBeTruthy();
    expect(sub.lastSeq).toBe(good);
    expect(upcast).toBeLessThan(good);
  });

  it('a handler that throws is reported to onError, and the events after it still arrive', async () => {
    const errors: Array<{ seq: number; text: string }> = [];
    const got: number[] = [];
    const sub = await client.subscribe({
      types: ['InstanceStarted'],
      onEvent: (e, d) => {
        if (e.data.nodeId === 'n1') throw new Error(`cannot handle ${e.data.app}@n1`);
        got.push(d.seq);
      },
      onError: (err, d) => void errors.push({ seq: d.seq, text: err instanceof Error ? err.message : String(err) }),
    });
    await sub.caughtUp();
    await sub.stop();
    expect(errors).toEqual([{ seq: seqs[1], text: 'cannot handle demo@n1' }, { seq: seqs[5], text: 'cannot handle other@n1' }]);
    expect(got).toContain(seqs[3]);
  });

  it('the example consumer prints the app\'s events and resumes after its stored sequence', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'print-events-'));
    try {
      const stateFile = join(dir, 'demo.seq');
      const lines: string[] = [];
      const run1 = await printEvents(client, { app: 'demo', stateFile, print: (l) => void lines.push(l) });
      await run1.caughtUp();
      await run1.stop();
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^#${seqs[0]} .* AppRegistered demo height 5 `)),
        expect.stringMatching(new RegExp(`^#${seqs[1]} .* InstanceStarted demo on n1$`)),
        expect.stringMatching(new RegExp(`^#${seqs[3]} .* InstanceStarted demo on n2$`)),
        expect.stringMatching(/ invalid message on evt\.instance\.demo\.n3: invalid InstanceStarted: data\.ports\.0: /),
        expect.stringMatching(/InstanceStarted demo on n4$/),
      ]);
      const stored = Number((await readFile(stateFile, 'utf8')).trim());
      expect(lines.at(-1)).toContain(`#${stored} `);

      // restarted: nothing old again, only what came after the stored sequence
      const next = await append(started('demo', 'n5'));
      await append(started('other', 'n5'));
      const again: string[] = [];
      const run2 = await printEvents(client, { app: 'demo', stateFile, print: (l) => void again.push(l) });
      await run2.caughtUp();
      await run2.stop();
      expect(again).toEqual([expect.stringMatching(new RegExp(`^#${next} .* InstanceStarted demo on n5$`))]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('queries and commands: typed replies, refusals and malformed replies as RpcError', async () => {
    const summary = { nodes: { total: 3, up: 2, byTier: { CUMULUS: 3, NIMBUS: 0, STRATUS: 0 } }, apps: { total: 1 }, instances: { running: 3 } };
    const nc = fx.store.nc;
    const q = nc.subscribe(Rpc.statsSummary.subject, { callback: (_e, m) => void m.respond(JSON.stringify({ status: 'success', data: summary })) });
    const c = nc.subscribe(Rpc.submitAppMessage.subject, { callback: (_e, m) => void m.respond(JSON.stringify({ status: 'error', data: { code: 409, name: 'NameTaken', message: 'demo is taken' } })) });
    const h = nc.subscribe(Rpc.registryHeight.subject, { callback: (_e, m) => void m.respond(JSON.stringify({ status: 'success', data: { height: 'tall' } })) });
    await nc.flush();
    try {
      const got = await client.query(Rpc.statsSummary, {});
      expect(got.nodes.up).toBe(2);
      expect(got).toEqual(summary);
      const message = { type: 'fluxappregister' as const, version: 1 as const, appSpecifications: { name: 'demo' }, hash: HASH, timestamp: 1, signature: 's' };
      const refused = await client.command(Rpc.submitAppMessage, { message }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RpcError);
      expect(refused).toMatchObject({ code: 409, errorName: 'NameTaken', message: 'demo is taken' });
      const invalid = await client.command(Rpc.submitAppMessage, { message: { ...message, hash: 'x' } }).catch((e: unknown) => e);
      expect(invalid).toMatchObject({ code: 400 });
      expect((invalid as RpcError).message).toContain('request.message.hash');
      const malformed = await client.query(Rpc.registryHeight, {}).catch((e: unknown) => e);
      expect(malformed).toBeInstanceOf(RpcError);
      expect((malformed as RpcError).code).toBe(502);
      expect((malformed as RpcError).message).toMatch(/^invalid reply on qry\.app-registry\.height: data\./);
      await expect(client.command(Rpc.statsSummary, {})).rejects.toThrow('is a query, not a command');
    } finally {
      q.unsubscribe();
      c.unsubscribe();
      h.unsubscribe();
    }
  });
});
