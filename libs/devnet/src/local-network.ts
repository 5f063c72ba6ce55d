import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createTestDatabase, freePort, startNats, type TestDatabase, type TestNats } from '@fluxplane/testkit';
import { devchainProcess, DEVCHAIN_RULES_HEIGHT_OFFSET, serviceProcesses, type DevnetSettings, type DnsSettings, type NodeSpec } from './topology';
import { ensureNode, startServices, waitDevchain } from './network';
import { ProcessGroup } from './processes';
import { removeNodeData } from './node-data';
import { startNodeSyncthing } from './syncthing';
import { startPebble, type Pebble } from './pebble';


/**
 * A whole fluxplane network for one test file, on real parts: a private NATS and database, a
 * private HAProxy, a devchain, every service as its own process, and node agents on their own
 * loopback addresses (each in its own /16, as apps with synced data need), each with its own
 * Syncthing (scripts/infra/syncthing.sh) started before it. Docker, the local registry and the demo image are shared with the machine
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
  /** With `certificates`: HAProxy's HTTPS port (127.0.0.1) and the pebble that issues them. */
  https?: { port: number; pebble: Pebble };
  stop(): Promise<void>;
}

function infra(root: string, run: string, args: string[], env: Record<string, string> = {}) {
  execFileSync('bash', [join(root, 'scripts/infra', args[0]!), ...args.slice(1)], {
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

export interface NetworkOptions {
  /** The repository root (scripts, built services). */
  root: string;
  /** one node agent on each of these loopback addresses */
  nodeIps: string[];
  domain: string;
  /** Start a private PowerDNS (scripts/infra/pdns.sh) and have the domain manager write records to it (`settings.dns`). */
  dns?: { customZones?: string[] };
  /** Where the services' logs are kept after `stop()` (default `<root>/.test-run/e2e-logs`). */
  keepLogsIn?: string;
  /**
   * ACME certificates from a pebble of this network (HTTP-01 validated through HAProxy's HTTP port,
   * every name resolved to 127.0.0.1 by a fake DNS) and HTTPS on a free port. `validityS` shortens
   * the certificates' lifetime, `renewBeforeS` the renewal margin (renewal tests).
   */
  certificates?: { validityS?: number; renewBeforeS?: number };
  /** Address the network's NATS listens on (default 127.0.0.1): one a node in a namespace reaches, e.g. a veth's host end. */
  natsHost?: string;
  /** Nodes (by index in `nodeIps`) whose agent and Syncthing run in a network namespace of their own. */
  isolate?: Record<number, NodeIsolation>;
  /** Extra environment per process name (DevnetSettings.serviceEnv). */
  serviceEnv?: Record<string, Record<string, string>>;
}

/**
 * A node whose agent and Syncthing run in a network namespace (partition tests). Its containers still
 * publish on its `nodeIps` address (dockerd lives in the host's namespace); its agent's API and its
 * Syncthing listen on `address`, the namespace's end of a veth pair; it reaches NATS at `natsHost` and
 * Postgres through its unix socket (reachable from any network namespace).
 */
export interface NodeIsolation {
  /** The command both run under; it must change only the network namespace: `['nsenter', '--net=/run/netns/<name>']`. */
  prefix: string[];
  /** The node's address inside the namespace, reachable from the host. */
  address: string;
  /** Postgres's unix socket directory (default /var/run/postgresql). */
  databaseSocketDir?: string;
}

/** The same database over Postgres's unix socket: `postgres://user@%2Fvar%2Frun%2Fpostgresql/db`. */
export function unixSocketDatabaseUrl(url: string, socketDir = '/var/run/postgresql'): string {
  const u = new URL(url);
  const auth = `${u.username || 'postgres'}${u.password ? `:${u.password}` : ''}`;
  return `postgres://${auth}@${encodeURIComponent(socketDir)}${u.pathname}`;
}

export async function startNetwork(o: NetworkOptions): Promise<Network> {
  requireDocker();
  const run = mkdtempSync(join(tmpdir(), 'fp-e2e-'));
  const group = new ProcessGroup({ root: o.root, logDir: join(run, 'logs'), detached: false });
  const nats = await startNats({ host: o.natsHost });
  const db = await createTestDatabase('e2e');
  const haproxyPort = await freePort();
  infra(o.root, run, ['haproxy.sh'], { HAPROXY_HTTP_PORT: String(haproxyPort) });
  let dns: DnsSettings | undefined;
  const devchainPort = await freePort();
  const devchainUrl = `http://127.0.0.1:${devchainPort}`;
  const stop = async () => {
    await group.stopAll();
    try { infra(o.root, run, ['down.sh', 'haproxy', 'syncthing', 'pebble']); } catch { /* already gone */ }
    await db.drop();
    await nats.stop();
    if (dns) try { infra(o.root, run, ['down.sh', 'pdns']); } catch { /* already gone */ }
    // Keep the services' logs for a post-mortem; the rest of the run dir goes.
    const logs = join(o.keepLogsIn ?? join(o.root, '.test-run', 'e2e-logs'), basename(run));
    mkdirSync(dirname(logs), { recursive: true });
    cpSync(join(run, 'logs'), logs, { recursive: true });
    // The nodes' fence watchdogs log in their DATA_DIR (services/node-agent/src/fence-watchdog).
    for (const ip of o.nodeIps) {
      const wd = join(run, 'nodes', ip, 'fence', 'watchdog.log');
      if (existsSync(wd)) cpSync(wd, join(logs, `fence-watchdog-${ip}.log`));
    }
    // The agents' volumes stay mounted after them (as on a node); unmount before deleting the run dir.
    if (!process.env.KEEP_E2E_RUN) {
      removeNodeData(join(run, 'nodes'));
      rmSync(run, { recursive: true, force: true });
    }
  };
  try {
    if (o.dns) {
      const [dnsPort, apiPort] = [await freePort(), await freePort()];
      infra(o.root, run, ['pdns.sh'], { PDNS_DNS_PORT: String(dnsPort), PDNS_API_PORT: String(apiPort), PDNS_API_KEY: 'e2e-key' });
      dns = { apiUrl: `http://127.0.0.1:${apiPort}`, apiKey: 'e2e-key', dnsPort, customZones: o.dns.customZones };
    }
    group.start(devchainProcess({ host: '127.0.0.1', port: devchainPort, blockIntervalMs: 500 }));
    await waitDevchain(devchainUrl);
    const nodes: NodeSpec[] = [];
    for (const [i, ip] of o.nodeIps.entries()) {
      const iso = o.isolate?.[i];
      // In a namespace of its own every port is free; they are picked on the host only to be distinct.
      const listenOn = iso?.address ?? ip;
      const portOn = iso ? '127.0.0.1' : ip;
      const syncthing = startNodeSyncthing({ root: o.root, run, name: `node-${i + 1}`, ip: listenOn, guiPort: await freePort(portOn), listenPort: await freePort(portOn), home: join(run, 'syncthing', ip), prefix: iso?.prefix });
      nodes.push({
        nodeId: await ensureNode(devchainUrl, ip, 1000), ip, httpPort: await freePort(portOn), benchRpcPort: await freePort(ip), dataDir: join(run, 'nodes', ip), syncthing,
        ...(iso ? { httpHost: iso.address, prefix: iso.prefix, databaseUrl: unixSocketDatabaseUrl(db.url, iso.databaseSocketDir) } : {}),
      });
    }
    const ports = {
      gateway: await freePort(), chainIndexer: await freePort(), appRegistry: await freePort(), scheduler: await freePort(),
      bench: await freePort(), domainManager: await freePort(), stats: await freePort(),
    };
    const hap = join(run, 'haproxy');
    let https: Network['https'];
    if (o.certificates) {
      const pebble = await startPebble({ root: o.root, run, httpPort: haproxyPort, validityS: o.certificates.validityS });
      https = { port: await freePort(), pebble };
    }
    const settings: DevnetSettings = {
      natsUrl: nats.url,
      databaseUrl: db.url,
      domain: o.domain,
      dns,
      haproxy: { config: join(hap, 'haproxy.cfg'), map: join(hap, 'hosts.map'), masterSocket: join(hap, 'master.sock'), adminSocket: join(hap, 'admin.sock'), bind: `127.0.0.1:${haproxyPort}` },
      devchainUrl,
      registryMirror: '127.0.0.1:5000',
      logLevel: 'info',
      ports,
      fast: true,
      rulesHeightOffset: DEVCHAIN_RULES_HEIGHT_OFFSET,
      ...(o.serviceEnv ? { serviceEnv: o.serviceEnv } : {}),
      ...(https ? { certificates: {
        acmeDirectoryUrl: https.pebble.directoryUrl, acmeCaFile: https.pebble.tlsCaFile, tlsBind: `127.0.0.1:${https.port}`,
        renewBeforeS: o.certificates?.renewBeforeS, checkIntervalMs: 60_000,
      } } : {}),
    };
    await startServices(group, serviceProcesses(settings, nodes), {});
    return { run, nats, db, group, settings, nodes, gatewayUrl: `http://127.0.0.1:${ports.gateway}`, devchainUrl, haproxyUrl: `http://127.0.0.1:${haproxyPort}`, https, stop };
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

