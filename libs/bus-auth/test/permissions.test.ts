import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { Msg } from '@nats-io/transport-node';
import { EventStore, KvLease, NO_STREAM, ProjectionRunner, type Projection } from '@fluxplane/eventstore';
import { identityName, makeEvent, Signals, Subjects, SYNC_DEVICES_BUCKET, syncDeviceKey, nodeAgentRpc, type EventEnvelope } from '@fluxplane/contracts';
import { createTestDatabase, startConfiguredNats, waitUntil, type ConfiguredNats } from '@fluxplane/testkit';
import { busConnectOptions, generateBusAuth, type GeneratedAuth } from '../src';

/**
 * A real nats-server started with the generated `authorization` block: a node agent's credentials
 * let it do its own work and nothing of another node's or of the scheduler's.
 */
describe('least privilege on the bus (generated nkey users and permissions)', () => {
  /** A node as on chain: its id is its collateral outpoint, `txid:n` (':' is no KV key character). */
  const OUTPOINT = `${'c'.repeat(64)}:1`;
  let dir: string;
  let auth: GeneratedAuth;
  let nats: ConfiguredNats;
  const stores: EventStore[] = [];

  const connectAs = async (name: string) => {
    const id = auth.identities.find((i) => i.name === name)!;
    const store = await EventStore.connect({
      servers: nats.url,
      connectionName: name,
      connectOptions: busConnectOptions({ nkeySeedFile: id.seedFile, inboxPrefix: id.inboxPrefix }),
    });
    stores.push(store);
    return store;
  };
  const instanceEvent = (app: string, nodeId: string): EventEnvelope =>
    makeEvent('InstanceFailed', Subjects.instance(app, nodeId), { app, nodeId, specHash: 'a'.repeat(64), error: 'test' });
  const placementEvent = (app: string, nodeId: string): EventEnvelope =>
    makeEvent('InstanceUnscheduled', Subjects.placement(app), { app, nodeId, reason: 'test' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fp-bus-auth-'));
    auth = generateBusAuth({ dir: join(dir, 'auth'), nodes: [{ nodeId: 'n1', ip: '127.0.0.11' }, { nodeId: 'n2' }, { nodeId: OUTPOINT, ip: '127.0.0.13' }] });
    nats = await startConfiguredNats({
      config: (port, d) => `listen: 127.0.0.1:${port}\njetstream { store_dir: ${JSON.stringify(join(d, 'js'))} }\ninclude ${JSON.stringify(relative(d, auth.configFile))}\n`,
    });
  });

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a connection without credentials', async () => {
    await expect(EventStore.connect({ servers: nats.url, connectOptions: { maxReconnectAttempts: 0, reconnect: false } })).rejects.toThrow(/authori[sz]ation/i);
  });

  it("refuses a node agent another node's heartbeat and events, and a placement; it still does its own work", async () => {
    const admin = await connectAs('admin'); // creates the stream
    const scheduler = await connectAs('scheduler');
    const n1 = await connectAs('node-n1');

    // What reaches the bus: the admin watches every heartbeat.
    const heartbeats: string[] = [];
    const hbSub = admin.nc.subscribe('sig.heartbeat.>', { callback: (_e, m: Msg) => { heartbeats.push(m.subject); } });
    await admin.nc.flush();
    const errors: string[] = [];
    void (async () => { for await (const s of n1.nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error)); })();

    // The scheduler places an instance of `shop` on n1; the node agent reads it.
    await scheduler.append(Subjects.placement('shop'), [placementEvent('shop', 'n1')], NO_STREAM);
    const placements = await n1.readStream(Subjects.placement('shop'));
    expect(placements.events.map((e) => e.event.type)).toEqual(['InstanceUnscheduled']);

    // Its own work: its heartbeat, its instance's event, its Syncthing device, its request subjects.
    n1.nc.publish(Signals.heartbeat('n1'), JSON.stringify({ nodeId: 'n1' }));
    const own = await n1.append(Subjects.instance('shop', 'n1'), [instanceEvent('shop', 'n1')], NO_STREAM);
    expect(own.revision).toBeGreaterThan(0);
    const devices = await new Kvm(n1.nc).create(SYNC_DEVICES_BUCKET, { history: 1 });
    await devices.put('n1', JSON.stringify({ nodeId: 'n1' }));
    expect((await devices.get('n1'))?.string()).toContain('n1');

    // Forgeries: another node's heartbeat and instance event, a placement, another node's device.
    n1.nc.publish(Signals.heartbeat('n2'), JSON.stringify({ nodeId: 'n2' }));
    await expect(n1.append(Subjects.instance('shop', 'n2'), [instanceEvent('shop', 'n2')], NO_STREAM)).rejects.toThrow(/permission/i);
    await expect(n1.append(Subjects.placement('shop'), [placementEvent('shop', 'n2')], 1)).rejects.toThrow(/permission/i);
    await expect(n1.append(Subjects.node('n2'), [{ ...instanceEvent('shop', 'n1'), subject: Subjects.node('n2') }], NO_STREAM)).rejects.toThrow(/permission/i);
    await expect(devices.put('n2', JSON.stringify({ nodeId: 'n2' }))).rejects.toThrow(/permission/i);

    // Nothing of it was recorded: the stream holds the placement and n1's own event only.
    await admin.nc.flush();
    await n1.nc.flush();
    await waitUntil(() => heartbeats.length >= 1 && errors.length >= 1, { timeoutMs: 5_000, what: 'the heartbeat and the refusal' });
    expect(heartbeats).toEqual([Signals.heartbeat('n1')]);
    expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "sig\.heartbeat\.n2"/);
    expect(await admin.revision(Subjects.instance('shop', 'n2'))).toBe(0);
    expect(await admin.revision(Subjects.node('n2'))).toBe(0);
    const placementRead = await admin.readStream(Subjects.placement('shop'));
    expect(placementRead.events.map((e) => e.event.data)).toEqual([expect.objectContaining({ nodeId: 'n1' })]);
    expect(await admin.lastSequence()).toBe(2);
    expect(await (await new Kvm(admin.nc).open(SYNC_DEVICES_BUCKET)).get('n2')).toBeNull();
    hbSub.unsubscribe();
  });

  it("lets the gateway ask a node's agent, and the agent answer; not serve another node's subjects", async () => {
    const gateway = await connectAs('gateway');
    const n1 = await connectAs('node-n1');
    const rpc = nodeAgentRpc('n1');
    const sub = n1.nc.subscribe(rpc.appLog.subject, { callback: (_e, m: Msg) => { m.respond('{"status":"success","data":{}}'); } });
    await n1.nc.flush();
    const reply = await gateway.nc.request(rpc.appLog.subject, '{}', { timeout: 5_000 });
    expect(reply.string()).toContain('success');
    sub.unsubscribe();

    // n1 may not answer as n2's agent, nor send a command to n2's agent.
    const errors: string[] = [];
    void (async () => { for await (const s of n1.nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error)); })();
    n1.nc.subscribe(nodeAgentRpc('n2').appLog.subject);
    await expect(n1.nc.request(nodeAgentRpc('n2').appControl.subject, '{}', { timeout: 2_000 })).rejects.toThrow();
    await waitUntil(() => errors.some((e) => /Subscription to "qry\.node-agent\.n2/.test(e)), { timeoutMs: 5_000, what: 'the refused subscription' });
    // and the gateway sends commands and queries only: no event is its to append
    await expect(gateway.append(Subjects.app('shop'), [{ ...instanceEvent('shop', 'n1'), subject: Subjects.app('shop') }], NO_STREAM)).rejects.toThrow(/permission/i);
  });

  it("runs a service's projection under its lease, and a node agent's, with their own credentials only", async () => {
    const admin = await connectAs('admin');
    const db = await createTestDatabase('busauth');
    try {
      const ds = await db.dataSource();
      const seen: Array<{ who: string; subject: string }> = [];
      const projection = (who: string, subjects: string[]): Projection => ({
        name: `seen_by_${who.replace(/-/g, '_')}`,
        subjects,
        async apply(event) { seen.push({ who, subject: event.subject }); },
        async reset() { /* nothing stored */ },
      });
      // stats reads everything (filter evt.>), under its lease `stats.<projection>`
      const stats = await connectAs('stats');
      const statsRunner = new ProjectionRunner(stats, ds, projection('stats', ['evt.>']), {
        schema: 'stats', lease: new KvLease(() => KvLease.openBucket(stats.nc), 'stats.seen_by_stats', { holder: 'stats-1', ttlMs: 3_000 }),
      });
      // node n1 reads the placements (one subject filter)
      const n1 = await connectAs('node-n1');
      const n1Runner = new ProjectionRunner(n1, ds, projection('node-n1', [Subjects.all.placements]), { schema: 'node_agent_n1' });
      await statsRunner.start();
      await n1Runner.start();
      expect(statsRunner.isActive).toBe(true);
      const scheduler = await connectAs('scheduler');
      await scheduler.append(Subjects.placement('cart'), [placementEvent('cart', 'n1')], NO_STREAM);
      await waitUntil(() => seen.some((s) => s.who === 'stats' && s.subject === Subjects.placement('cart')) && seen.some((s) => s.who === 'node-n1' && s.subject === Subjects.placement('cart')),
        { timeoutMs: 15_000, what: 'both projections applying the placement' });
      // stats may not take another service's lease key
      const statsLeases = await KvLease.openBucket(stats.nc);
      await expect(statsLeases.put('scheduler.placements', '{}')).rejects.toThrow(/permission/i);
      await statsRunner.stop();
      await n1Runner.stop();
      expect(await admin.lastSequence()).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  });

  it('rotates one identity: its old seed is refused after the reload, the new one and the others work', async () => {
    const before = new Map(auth.identities.map((i) => [i.name, i.publicKey]));
    const oldSeed = readFileSync(auth.identities.find((i) => i.name === 'node-n2')!.seedFile, 'utf8');
    auth = generateBusAuth({ dir: join(dir, 'auth'), nodes: [{ nodeId: 'n1', ip: '127.0.0.11' }, { nodeId: 'n2' }, { nodeId: OUTPOINT, ip: '127.0.0.13' }], rotate: ['node-n2'] });
    const after = new Map(auth.identities.map((i) => [i.name, i.publicKey]));
    expect(after.get('node-n2')).not.toBe(before.get('node-n2'));
    for (const [name, key] of before) if (name !== 'node-n2') expect(after.get(name)).toBe(key);
    await nats.reload();

    const oldFile = join(dir, 'old-n2.nk');
    writeFileSync(oldFile, oldSeed, { mode: 0o600 });
    await expect(EventStore.connect({ servers: nats.url, connectOptions: { ...busConnectOptions({ nkeySeedFile: oldFile }), reconnect: false } })).rejects.toThrow(/authori[sz]ation/i);
    const n2 = await connectAs('node-n2');
    n2.nc.publish(Signals.heartbeat('n2'), '{}');
    await n2.nc.flush();
    const n1 = await connectAs('node-n1');
    await n1.nc.flush();
  });

  it('lets a node whose id is an outpoint (txid:n) do its own work under its escaped names, and nothing of n1', async () => {
    await connectAs('admin'); // creates the stream
    const node = await connectAs(identityName({ kind: 'node-agent', nodeId: OUTPOINT }));
    expect(node.nc.info?.client_id).toBeDefined();
    await node.append(Subjects.instance('outpointapp', OUTPOINT), [instanceEvent('outpointapp', OUTPOINT)], NO_STREAM);
    const devices = await new Kvm(node.nc).create(SYNC_DEVICES_BUCKET, { history: 1 });
    await devices.put(syncDeviceKey(OUTPOINT), JSON.stringify({ nodeId: OUTPOINT }));
    expect((await devices.get(syncDeviceKey(OUTPOINT)))?.string()).toContain(OUTPOINT);
    await expect(devices.put(syncDeviceKey('n1'), JSON.stringify({ nodeId: 'n1' }))).rejects.toThrow(/permission/i);
    await expect(node.append(Subjects.instance('outpointapp', 'n1'), [instanceEvent('outpointapp', 'n1')], NO_STREAM)).rejects.toThrow(/permission/i);
  });
});
