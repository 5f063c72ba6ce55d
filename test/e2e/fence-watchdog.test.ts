import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore } from '@fluxplane/eventstore';
import { counterRequest, demoSpec, deployApp, isAlive } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, waitUntil } from '@fluxplane/testkit';
import { Network, networkWithStoreForFile, readMasterTerms } from './harness';

const DOMAIN = 'watchdog.fluxplane.test';
/** The devnet's fast g: settings (libs/devnet topology: MASTER_LEASE_MS, MASTER_LEASE_MARGIN_MS). */
const LEASE_MS = 1500;
const MARGIN_MS = 2500;

interface Ctr { id: string; node: string; running: boolean; startedAt: number; finishedAt: number }

function containersOf(app: string): Ctr[] {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=fluxplane.app=${app}`]).toString().split(/\s+/).filter(Boolean);
  if (ids.length === 0) return [];
  const out = execFileSync('docker', ['inspect', '--format', '{{.Id}} {{index .Config.Labels "fluxplane.node"}} {{.State.Running}} {{.State.StartedAt}} {{.State.FinishedAt}}', ...ids]).toString();
  return out.trim().split('\n').map((l) => {
    const [id, node, running, started, finished] = l.split(' ');
    return { id: id!, node: node!, running: running === 'true', startedAt: Date.parse(started!), finishedAt: finished!.startsWith('0001') ? NaN : Date.parse(finished!) };
  });
}

/**
 * dockerd runs with --live-restore: a master's container survives its agent. The node's fence watchdog
 * (services/node-agent/src/fence-watchdog), started beside the agent, outlives it and stops the
 * container when its lease lapses — before the elector may start a new term (lease + margin) — and a
 * replica elsewhere becomes master.
 */
describe('g: fence watchdog (real node agents, Docker, Syncthing, HAProxy)', () => {
  let net: Network;
  let store: EventStore;
  const app = `wd${randomBytes(3).toString('hex')}`;
  const host = `${app}.app.${DOMAIN}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const get = () => counterRequest(net.haproxyUrl, host, 'GET');
  const masterTerms = () => readMasterTerms(store, app);
  const watchdogPid = (dataDir: string) => Number(readFileSync(join(dataDir, 'fence', 'watchdog.pid'), 'utf8').trim());

  networkWithStoreForFile({ nodeIps: ['127.84.0.1', '127.85.0.1', '127.86.0.1'], domain: DOMAIN, app }, (n, s) => { net = n; store = s; });

  it('stops the container of a master whose agent was SIGKILLed before a new master is elected elsewhere', async () => {
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 3, { containerData: 'g:/data' }), key });
    const first = await waitUntil(get, { timeoutMs: 150_000, intervalMs: 300, what: `${host} answering through HAProxy` });
    const victim = net.nodes.findIndex((n) => n.nodeId === first.node);
    const node = net.nodes[victim]!;
    const watchdog = watchdogPid(node.dataDir);
    expect(isAlive(watchdog)).toBe(true);
    const [old] = containersOf(app).filter((c) => c.node === first.node && c.running);
    expect(old).toBeDefined();

    // Only the agent dies: its container keeps running (live-restore) until the watchdog stops it.
    const t0 = Date.now();
    await net.group.stop(`node-agent-${victim + 1}`, 'SIGKILL');

    const stopped = await waitUntil(() => { const c = containersOf(app).find((x) => x.id === old!.id); return c && !c.running ? c : undefined; },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the orphaned master container stopped' });
    // It outlived its agent (Docker's own stop time; on a loaded machine the watchdog may be done
    // before a `docker ps` right after the kill would have answered, so that is not asked).
    expect(stopped.finishedAt).toBeGreaterThanOrEqual(t0);
    const taken = await waitUntil(async () => { const a = await get(); return a && a.node !== first.node ? a : undefined; },
      { timeoutMs: 60_000, intervalMs: 100, what: 'an answer from a new master' });
    const terms = await masterTerms();
    expect(terms.map((t) => t.term)).toEqual([1, 2]);
    expect(terms[1]!.nodeId).toBe(taken.node);
    expect(taken.node).not.toBe(first.node);

    // Stopped within the lease + margin after the kill (the last renewal was before it), and before the
    // new master's container started (Docker's own timestamps).
    const fresh = containersOf(app).find((c) => c.node === taken.node && c.running)!;
    console.log(JSON.stringify({ e2e: 'fence-watchdog', kill_to_stopped_ms: stopped.finishedAt - t0, kill_to_new_start_ms: fresh.startedAt - t0, stop_to_new_start_ms: fresh.startedAt - stopped.finishedAt }));
    expect(stopped.finishedAt - t0).toBeLessThan(LEASE_MS + MARGIN_MS);
    expect(stopped.finishedAt).toBeLessThan(fresh.startedAt);
    expect(containersOf(app).filter((c) => c.running).map((c) => c.node)).toEqual([taken.node]);
    // With its agent gone and nothing left to guard, the watchdog ends (the next agent starts one).
    await waitUntil(() => !isAlive(watchdog), { timeoutMs: 10_000, intervalMs: 100, what: 'the watchdog of the dead agent ended' });
  }, 300_000);
});
