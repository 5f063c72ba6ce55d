import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Signals, Subjects, type DomainEvent, type EventOf } from '@fluxplane/contracts';
import { sleep, startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { SchedulerConfig } from '../src/config';
import { SchedulerModule } from '../src/app.module';
import { foldPlacements } from '../src/domain';
import { hash, specAndView, v4Spec } from './fixtures';

const DOWN_MS = 800;
const BACK_MS = 1500;
const START_DEADLINE_MS = 2500;
// Each node in its own /16: apps with synced data (g:) keep one instance per /16.
const ipOf = (id: string) => `127.${30 + Number(id.slice(1))}.0.1`;

/**
 * Liveness against real NATS and Postgres: heartbeats on core NATS, the scheduler's records on the
 * node streams, placements on the placement streams.
 */
describe('node liveness and the start deadline', () => {
  let svc: ServiceUnderTest<SchedulerConfig>;
  /** Nodes whose simulated agent sends heartbeats (every 200 ms). */
  const beating = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const nodeEvents = async (id: string) => (await svc.store.readStream(Subjects.node(id))).events.map((e) => e.event.type).filter((t) => t !== 'NodeBenchmarked');
  const placementEvents = async (app: string) => (await svc.store.readStream(Subjects.placement(app))).events;
  const placed = async (app: string) => [...foldPlacements(await placementEvents(app)).keys()].sort();

  async function addNode(id: string) {
    await svc.store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: ipOf(id), tier: 'CUMULUS', collateralSat: 1000e8, txid: `tx${id}`, height: Number(id.slice(1)) })], 'any');
    await svc.store.append(Subjects.node(id), [makeEvent('NodeBenchmarked', Subjects.node(id), { nodeId: id, passed: true, tier: 'CUMULUS', cores: 4, ramMb: 8000, eps: 1000, diskWriteMbps: 500, benchVersion: 'test' })], 'any');
  }

  async function registerApp(name: string, instances: number, containerData = '/data') {
    await svc.store.append(Subjects.app(name), [makeEvent('AppRegistered', Subjects.app(name), {
      name, hash: hash('a'), owner: '1owner', ...specAndView({ ...v4Spec({ instances, containerData }), name }), txid: `tx${name}`, height: 10, expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 's', amountSat: 1,
    })], 'any');
  }

  async function reportStarted(app: string, nodeId: string) {
    const s = Subjects.instance(app, nodeId);
    await svc.store.append(s, [makeEvent('InstanceStarted', s, { app, nodeId, ip: ipOf(nodeId), specHash: hash('a'), ports: [31000], containers: [{ component: 'web', id: `c-${nodeId}` }] })], 'any');
  }

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'schedlive', configSchema: SchedulerConfig, module: (c, l) => SchedulerModule.forRoot(c, l),
      env: {
        SCHEDULER_RECONCILE_INTERVAL_MS: '300', NODE_DOWN_AFTER_MS: String(DOWN_MS), NODE_BACK_AFTER_MS: String(BACK_MS),
        NODE_FLAP_WINDOW_MS: '20000', NODE_BACK_AFTER_MAX_MS: '20000', INSTANCE_START_DEADLINE_MS: String(START_DEADLINE_MS),
        SCHEDULER_LEASE_MS: '1000', SCHEDULER_LEASE_MARGIN_MS: '200',
      },
    });
    timer = setInterval(() => {
      for (const id of beating) svc.store.nc.publish(Signals.heartbeat(id), JSON.stringify({ nodeId: id, ip: ipOf(id), at: new Date().toISOString() }));
    }, 200);
  });
  afterAll(async () => {
    clearInterval(timer);
    await svc?.close();
  });

  it('counts a node up only once heard: a registered node with no agent behind it gets no instance', async () => {
    for (const id of ['n1', 'n2', 'n3', 'n4']) await addNode(id);
    // n4 is on chain and benchmarked, but no agent runs there.
    for (const id of ['n1', 'n2', 'n3']) beating.add(id);
    await waitUntil(async () => (await nodeEvents('n3')).includes('NodeCameBack'), { timeoutMs: 5000, what: 'n3 heard' });
    await registerApp('web3', 3);
    await waitUntil(async () => (await placed('web3')).length === 3, { timeoutMs: 10_000, what: '3 placements' });
    await sleep(800);
    expect(await placed('web3')).toEqual(['n1', 'n2', 'n3']);
    expect(await nodeEvents('n4')).toEqual([]);
    for (const id of ['n1', 'n2', 'n3']) await reportStarted('web3', id);
  });

  it('declares a silent node down, places its instance elsewhere, and takes it back only after a steady probation', async () => {
    await addNode('n5');
    beating.add('n5');
    await waitUntil(async () => (await nodeEvents('n5')).includes('NodeCameBack'), { timeoutMs: 5000, what: 'n5 heard' });
    beating.delete('n1');
    await waitUntil(async () => (await nodeEvents('n1')).includes('NodeWentDown'), { timeoutMs: 5000, what: 'n1 down' });
    await waitUntil(async () => (await placed('web3')).join() === 'n2,n3,n5', { timeoutMs: 5000, what: 'n1 replaced by n5' });
    await reportStarted('web3', 'n5');

    // A flap: heard for less than its probation, silent again, heard again: still down meanwhile.
    beating.add('n1');
    await sleep(BACK_MS / 2);
    beating.delete('n1');
    await sleep(DOWN_MS + 400);
    expect(await nodeEvents('n1')).toEqual(['NodeCameBack', 'NodeWentDown']);
    // Steady: back after its probation, not before.
    const since = Date.now();
    beating.add('n1');
    await waitUntil(async () => (await nodeEvents('n1')).at(-1) === 'NodeCameBack', { timeoutMs: 10_000, what: 'n1 back' });
    expect(Date.now() - since).toBeGreaterThanOrEqual(BACK_MS);
    // Its old instance stays where it went: coming back moves nothing.
    await sleep(500);
    expect(await placed('web3')).toEqual(['n2', 'n3', 'n5']);
  });

  it('records an instance not reported started within the deadline as a failed start and places it elsewhere; a g: standby is not held to it', async () => {
    await registerApp('slow', 3); // Flux's minimum
    await registerApp('gha', 3, 'g:/data');
    const first = await waitUntil(async () => { const p = await placed('slow'); return p.length === 3 && p; }, { timeoutMs: 10_000, what: 'slow placed' });
    await waitUntil(async () => (await placed('gha')).length === 3, { timeoutMs: 10_000, what: 'gha placed' });
    const gNodes = await placed('gha');
    const [ok1, ok2, stuck] = first as [string, string, string];
    await reportStarted('slow', ok1);
    await reportStarted('slow', ok2);
    // `stuck` never reports: after the deadline it is a failed start, and the app moves.
    const failed = await waitUntil(async () => {
      const events = (await svc.store.readStream(Subjects.instance('slow', stuck))).events.map((e) => e.event as DomainEvent);
      return events.find((e): e is EventOf<'InstanceFailed'> => e.type === 'InstanceFailed');
    }, { timeoutMs: START_DEADLINE_MS + 8000, what: 'a failed start recorded' });
    expect(failed.data).toMatchObject({ app: 'slow', nodeId: stuck, specHash: hash('a') });
    expect(failed.data.error).toMatch(/not reported started within 3 s/);
    expect(failed.leaderTerm).toBeGreaterThan(0);
    await waitUntil(async () => { const p = await placed('slow'); return p.length === 3 && !p.includes(stuck) && p.includes(ok1) && p.includes(ok2); }, { timeoutMs: 5000, what: 'slow placed elsewhere' });
    const unscheduled = (await placementEvents('slow')).map((e) => e.event).find((e) => e.type === 'InstanceUnscheduled') as EventOf<'InstanceUnscheduled'>;
    expect(unscheduled.data).toMatchObject({ nodeId: stuck, reason: 'instance failed' });

    // The g: app has no master (no node reported its folder in sync): none of its instances is
    // expected to start, so none is failed, however long they wait.
    for (const id of gNodes) {
      const events = (await svc.store.readStream(Subjects.instance('gha', id))).events;
      expect(events).toEqual([]);
    }
    expect(await placed('gha')).toEqual(gNodes);
  });
});
