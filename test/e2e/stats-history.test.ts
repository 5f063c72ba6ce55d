import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { StatsHistory, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import type { EventStore } from '@fluxplane/eventstore';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, getReply, successData, waitUntil } from '@fluxplane/testkit';
import { type Network, networkWithStoreForFile } from './harness';

const DOMAIN = 'stats.fluxplane.test';

/**
 * The stats history of a running network, read through the gateway, against the events on its stream:
 * an app is deployed on three of four nodes, one node agent is killed (SIGKILL) and its instance moves
 * to the spare node. The newest sample shows the network as it now is, and the activity summed over
 * the samples equals the instance events on the stream — the scheduler's own word for a replacement
 * (`replaces instance on …`) being the independent count of moves.
 */
describe('stats history on a running network', () => {
  const app = `stat${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  let net: Network;
  let store: EventStore;
  networkWithStoreForFile({ nodeIps: ['127.45.0.1', '127.46.0.1', '127.47.0.1', '127.48.0.1'], domain: DOMAIN, app }, (n, s) => { net = n; store = s; });

  const history = async () => successData(await getReply(`${net.gatewayUrl}/stats/history`, StatsHistory));
  const locations = async () => successData(await getReply(`${net.gatewayUrl}/apps/location/${app}`)) as Array<{ ip: string }>;
  const eventsOf = async (subjects: string[]): Promise<DomainEvent[]> => (await Promise.all(subjects.map((s) => store.readStream(s)))).flatMap((r) => r.events.map((e) => e.event));

  it('answers history whose newest sample and summed activity equal what the events on the stream imply', async () => {
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, await freePortOn(net.nodes.map((n) => n.ip))), key });
    const before = await waitUntil(async () => { const l = await locations(); return l.length === 3 && l; }, { timeoutMs: 120_000, what: '3 running instances' });
    const victimIndex = net.nodes.findIndex((n) => n.ip === before[0]!.ip);
    await net.group.stop(`node-agent-${victimIndex + 1}`, 'SIGKILL');
    await waitUntil(async () => { const l = await locations(); return l.length === 3 && !l.some((x) => x.ip === before[0]!.ip) && l; }, { timeoutMs: 60_000, intervalMs: 200, what: 'the instance replaced' });

    const instanceSubjects = net.nodes.map((n) => Subjects.instance(app, n.nodeId));
    const expectedActivity = async () => {
      const [instanceEvents, placements] = await Promise.all([eventsOf(instanceSubjects), eventsOf([Subjects.placement(app)])]);
      return {
        started: instanceEvents.filter((e) => e.type === 'InstanceStarted').length,
        failed: instanceEvents.filter((e) => e.type === 'InstanceFailed').length,
        moved: placements.filter((e) => e.type === 'InstanceScheduled' && e.data.reason.startsWith('replaces instance on ')).length,
      };
    };
    // The samples follow the events within an interval (1 s here); compare once they have caught up.
    let last: { history: StatsHistory; expected: Awaited<ReturnType<typeof expectedActivity>> } | undefined;
    await waitUntil(async () => {
      const [h, expected] = [await history(), await expectedActivity()];
      last = { history: h, expected };
      const newest = h.samples.at(-1);
      const sum = (k: 'started' | 'failed' | 'moved') => h.samples.reduce((a, s) => a + s.activity[k], 0);
      return newest !== undefined && newest.instances.running === 3 && newest.nodes.down === 1
        && sum('started') === expected.started && sum('failed') === expected.failed && sum('moved') === expected.moved;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'the history to show the healed network' }).catch((err: unknown) => {
      throw new Error(`${String(err)}; newest sample ${JSON.stringify(last?.history.samples.at(-1))}, expected activity ${JSON.stringify(last?.expected)}`);
    });
    const { history: h, expected } = last!;
    expect(expected.moved).toBe(1);
    expect(expected.started).toBeGreaterThanOrEqual(4);
    const newest = h.samples.at(-1)!;
    expect(newest.nodes).toMatchObject({ total: 4, up: 3, down: 1 });
    expect(newest.apps.total).toBe(1);
    expect(newest.instances).toMatchObject({ running: 3, failed: 0 });
    // Every node's agent reported its measurement with a location (DEVNET_LOCATIONS).
    expect(Object.values(newest.nodes.byCountry).reduce((a, b) => a + b, 0)).toBe(4);
    expect(newest.nodes.byCountry.unknown).toBeUndefined();
    expect(h.intervalS).toBe(1);
  }, 240_000);
});
