import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  DEVCHAIN_RULES_HEIGHT_OFFSET, DevnetSettings, devchainProcess, ensureNode, NodeSpec, ProcessGroup, serviceProcesses, startServices, waitDevchain,
} from '@fluxplane/devnet';
import { createTestDatabase, freePort, startNats, TestDatabase, TestNats } from '@fluxplane/testkit';

export const ROOT = resolve(__dirname, '../..');

/**
 * A whole fluxplane network for one test file, on real parts: a private NATS and database, a
 * private HAProxy, a devchain, every service as its own process, and node agents on their own
 * loopback addresses. Docker, the local registry and the demo image are shared with the machine
 * (scripts/infra/up.sh brings them up; the test command runs it first).
 */
export interface Network {
  run: string;
  nats: TestNats;
  db: TestDatabase;
  group: ProcessGroup;
  settings: DevnetSettings;
  nodes: NodeSpec[];
  gatewayUrl: string;
  devchainUrl: string;
  haproxyUrl: string;
  stop(): Promise<void>;
}

function infra(run: string, args: string[], env: Record<string, string> = {}) {
  execFileSync('bash', [join(ROOT, 'scripts/infra', args[0]!), ...args.slice(1)], {
    env: { ...process.env, FLUXPLANE_RUN: run, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

export function requireDocker(): void {
  try {
    execFileSync('docker', ['image', 'inspect', '127.0.0.1:5000/fluxplane/demo:latest'], { stdio: 'ignore' });
  } catch {
    throw new Error('Docker with the demo image is required: run `bash scripts/infra/up.sh docker registry demo-image` (the test command does)');
  }
}

export async function startNetwork(o: { nodeIps: string[]; domain: string }): Promise<Network> {
  requireDocker();
  const run = mkdtempSync(join(tmpdir(), 'fp-e2e-'));
  const group = new ProcessGroup({ root: ROOT, logDir: join(run, 'logs'), detached: false });
  const nats = await startNats();
  const db = await createTestDatabase('e2e');
  const haproxyPort = await freePort();
  infra(run, ['haproxy.sh'], { HAPROXY_HTTP_PORT: String(haproxyPort) });
  const devchainPort = await freePort();
  const devchainUrl = `http://127.0.0.1:${devchainPort}`;
  const stop = async () => {
    await group.stopAll();
    try { infra(run, ['down.sh', 'haproxy']); } catch { /* already gone */ }
    await db.drop();
    await nats.stop();
    // Keep the services' logs for a post-mortem; the rest of the run dir goes.
    const logs = join(ROOT, '.test-run', 'e2e-logs', basename(run));
    mkdirSync(dirname(logs), { recursive: true });
    cpSync(join(run, 'logs'), logs, { recursive: true });
    if (!process.env.KEEP_E2E_RUN) rmSync(run, { recursive: true, force: true });
  };
  try {
    group.start(devchainProcess({ host: '127.0.0.1', port: devchainPort, blockIntervalMs: 500 }));
    await waitDevchain(devchainUrl);
    const nodes: NodeSpec[] = [];
    for (const ip of o.nodeIps) nodes.push({ nodeId: await ensureNode(devchainUrl, ip, 1000), ip, httpPort: await freePort(ip) });
    const ports = {
      gateway: await freePort(), chainIndexer: await freePort(), appRegistry: await freePort(), scheduler: await freePort(),
      bench: await freePort(), domainManager: await freePort(), stats: await freePort(),
    };
    const hap = join(run, 'haproxy');
    const settings: DevnetSettings = {
      natsUrl: nats.url,
      databaseUrl: db.url,
      domain: o.domain,
      haproxy: { config: join(hap, 'haproxy.cfg'), map: join(hap, 'hosts.map'), masterSocket: join(hap, 'master.sock'), adminSocket: join(hap, 'admin.sock'), bind: `127.0.0.1:${haproxyPort}` },
      devchainUrl,
      registryMirror: '127.0.0.1:5000',
      logLevel: 'info',
      ports,
      fast: true,
      rulesHeightOffset: DEVCHAIN_RULES_HEIGHT_OFFSET,
    };
    await startServices(group, serviceProcesses(settings, nodes), {});
    return { run, nats, db, group, settings, nodes, gatewayUrl: `http://127.0.0.1:${ports.gateway}`, devchainUrl, haproxyUrl: `http://127.0.0.1:${haproxyPort}`, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** Removes the containers the agents started for an app (they outlive the agents on purpose). */
export function removeAppContainers(app: string): void {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=fluxplane.app=${app}`]).toString().split(/\s+/).filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}
