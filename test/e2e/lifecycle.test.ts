import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { EventStore } from '@fluxplane/eventstore';
import { demoSpec, deployApp, loginToGateway, serviceProcesses, waitHealthy } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, sleep, waitUntil } from '@fluxplane/testkit';
import { Network, networkWithStoreForFile } from './harness';

const DOMAIN = 'life.fluxplane.test';

type Reply = { status: string; data: unknown };

/**
 * A container's life on real Docker, through the whole network: a crash loop ends InstanceFailed and
 * the scheduler moves the instance; a killed and restarted agent adopts its container; the owner
 * reads logs and stops/starts the app through the gateway, a stranger is refused.
 */
describe('container lifecycle', () => {
  let net: Network;
  let store: EventStore;
  const suffix = randomBytes(3).toString('hex');
  const crashy = `crashy${suffix}`;
  const app = `life${suffix}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const stranger = Buffer.from(randomPrivateKey()).toString('hex');

  const gw = async (path: string, zelidauth?: string): Promise<Reply> =>
    (await (await fetch(`${net.gatewayUrl}${path}`, { headers: zelidauth ? { zelidauth } : {} })).json()) as Reply;
  const containers = (name: string) => execFileSync('docker', ['ps', '-a', '--filter', `label=fluxplane.app=${name}`, '--format', '{{.ID}} {{.State}} {{.Label "fluxplane.node"}}'])
    .toString().trim().split('\n').filter(Boolean);
  const placementEvents = async (name: string): Promise<DomainEvent[]> => (await store.readStream(Subjects.placement(name))).events.map((e) => e.event);

  // An agent restart (kill → healthy again) takes longer than the fast devnet's 3 s node-down on a
  // loaded machine; this file is about adoption, so its scheduler waits longer before moving instances.
  networkWithStoreForFile({
    nodeIps: ['127.61.0.1', '127.62.0.1', '127.63.0.1'], domain: DOMAIN, app: [crashy, app], serviceEnv: { scheduler: { NODE_DOWN_AFTER_MS: '60000' } },
  }, (n, s) => { net = n; store = s; });

  it('a crash-looping app ends InstanceFailed on its node and is placed on another', async () => {
    const spec = { ...demoSpec(crashy, key, await freePortOn(net.nodes.map((n) => n.ip)), 1) };
    (spec.compose as Array<Record<string, unknown>>)[0]!.commands = ['sh', '-c', 'echo crashing; exit 3'];
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec, key });

    const first = await waitUntil(async () => (await placementEvents(crashy)).find((e) => e.type === 'InstanceScheduled'), { timeoutMs: 120_000, what: 'the first placement' });
    const firstNode = first.type === 'InstanceScheduled' ? first.data.nodeId : '';
    const failed = await waitUntil(async () => {
      const last = await store.last(Subjects.instance(crashy, firstNode));
      return last?.event.type === 'InstanceFailed' ? last.event : undefined;
    }, { timeoutMs: 60_000, what: 'InstanceFailed on the first node' });
    expect(failed.type === 'InstanceFailed' && failed.data.error).toMatch(/^crash loop: component web exited 3 times within 60 s \(restart limit 2\); last exit code 3/);

    const moved = await waitUntil(async () => (await placementEvents(crashy)).find((e) => e.type === 'InstanceScheduled' && e.data.nodeId !== firstNode),
      { timeoutMs: 30_000, what: 'the instance placed on another node' });
    expect(moved.type === 'InstanceScheduled' && moved.data.reason).toContain('instance failed');
    const types = (await placementEvents(crashy)).map((e) => (e.type === 'InstanceScheduled' || e.type === 'InstanceUnscheduled' ? `${e.type}@${e.data.nodeId}` : e.type));
    expect(types).toContain(`InstanceUnscheduled@${firstNode}`);
  }, 240_000);

  it('the owner reads logs and stops/starts the app through the gateway; a stranger is refused', async () => {
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, await freePortOn(net.nodes.map((n) => n.ip)), 1), key });
    await waitUntil(async () => ((await gw(`/apps/location/${app}`)).data as unknown[]).length === 1, { timeoutMs: 120_000, what: 'the app running' });
    const owner = await loginToGateway(net.gatewayUrl, key);

    const logs = await gw(`/apps/applog/${app}/20`, owner);
    expect(logs.status).toBe('success');
    const [node] = logs.data as Array<{ nodeId: string; data: Array<{ component: string; log: string }> }>;
    expect(node!.data).toEqual([expect.objectContaining({ component: 'web', log: expect.any(String) })]);
    const stats = await gw(`/apps/appstats/${app}`, owner);
    expect((stats.data as Array<{ data: Array<{ stats: object }> }>)[0]!.data[0]!.stats).toHaveProperty('memory_stats');

    const strangerAuth = await loginToGateway(net.gatewayUrl, stranger);
    for (const path of [`/apps/applog/${app}`, `/apps/appstop/${app}`, `/apps/appinspect/${app}`]) {
      expect(await gw(path, strangerAuth)).toMatchObject({ status: 'error', data: { code: 401, name: 'Unauthorized' } });
      expect(await gw(path)).toMatchObject({ status: 'error', data: { code: 401 } });
    }

    const stop = await gw(`/apps/appstop/${app}`, owner);
    expect((stop.data as Array<{ data: { containers: Array<{ state: string }> } }>)[0]!.data.containers).toEqual([expect.objectContaining({ state: 'exited' })]);
    await sleep(3000); // its agent's passes must leave it stopped
    expect(containers(app).map((c) => c.split(' ')[1])).toEqual(['exited']);
    const start = await gw(`/apps/appstart/${app}`, owner);
    expect((start.data as Array<{ data: { containers: Array<{ state: string }> } }>)[0]!.data.containers).toEqual([expect.objectContaining({ state: 'running' })]);
    await waitUntil(async () => ((await gw(`/apps/location/${app}`)).data as unknown[]).length === 1, { timeoutMs: 30_000, what: 'the app running again' });
  }, 240_000);

  it('an agent killed and restarted adopts its container: no duplicate, no restart, no new event', async () => {
    const [row] = containers(app);
    const [id, state, nodeId] = row!.split(' ');
    expect(state).toBe('running');
    const startedAt = () => execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', id!]).toString().trim();
    const before = startedAt();
    const subject = Subjects.instance(app, nodeId!);
    const eventsBefore = (await store.readStream(subject)).events.length;

    const index = net.nodes.findIndex((n) => n.nodeId === nodeId);
    const name = `node-agent-${index + 1}`;
    await net.group.stop(name, 'SIGKILL');
    const spec = serviceProcesses(net.settings, net.nodes).find((p) => p.name === name)!;
    net.group.start(spec);
    await waitHealthy(net.group, name, Number(spec.env.HTTP_PORT), 60_000, spec.env.HTTP_HOST);
    await sleep(4000); // several passes of the new agent

    expect(containers(app)).toEqual([row]);
    expect(startedAt()).toBe(before);
    expect((await store.readStream(subject)).events.length).toBe(eventsBefore);
  }, 120_000);
});
