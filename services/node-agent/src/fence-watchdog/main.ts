/**
 * The node's fence watchdog: `node dist/fence-watchdog/main.js <DATA_DIR>`, started detached by the node
 * agent (src/fence-watchdog/launcher.ts) so that it outlives it. Every FENCE_WATCHDOG_INTERVAL_MS it reads
 * the agent's lease file (`DATA_DIR/fence/leases.json`) and the node's `g:` containers (labels
 * `fluxplane.node=<NODE_ID>`, `fluxplane.fenced=g`) and stops (`docker stop -t FENCE_STOP_TIMEOUT_SEC`)
 * each live one whose lease is not valid now (domain/fence-watchdog.ts). It ends when DATA_DIR is gone,
 * when another watchdog took the pid file, or when the agent is gone and no `g:` container is alive.
 * Deliberately small: pino, dockerode and zod only, no Nest.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import Docker from 'dockerode';
import pino from 'pino';
import { z } from 'zod';
import { errorText } from '@fluxplane/observability';
import { bootId, fencePaths, isAlivePid, monotonicMs, readFenceFile, runningWatchdog, type FenceFileRead } from '../adapters/fence-file';
import { containersToStop, nothingToGuard, type GuardedContainer } from '../domain/fence-watchdog';
import { Labels } from '../domain/naming';

const Env = z.object({
  NODE_ID: z.string().min(1).max(140),
  DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
  /** The agent that started it: watched until the lease file names its writer. */
  AGENT_PID: z.coerce.number().int().positive(),
  FENCE_WATCHDOG_INTERVAL_MS: z.coerce.number().int().min(20).max(10_000).default(200),
  FENCE_STOP_TIMEOUT_SEC: z.coerce.number().int().min(0).max(60).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

function main(): void {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'fence-watchdog', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  const dataDir = process.argv[2];
  const env = Env.safeParse(process.env);
  if (!dataDir || !dataDir.startsWith('/') || !env.success) {
    const why = !env.success ? env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'usage: main.js <absolute DATA_DIR>';
    logger.fatal({ why }, 'fence watchdog: bad configuration');
    process.exit(78);
  }
  const cfg = env.data;
  const paths = fencePaths(dataDir);
  const other = runningWatchdog(dataDir);
  if (other !== null && other !== process.pid) {
    logger.info({ other }, 'a fence watchdog already guards this node; exiting');
    return;
  }
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.pid, `${process.pid}\n`);
  const self = { nodeId: cfg.NODE_ID, bootId: bootId() };
  const docker = new Docker({ socketPath: cfg.DOCKER_SOCKET, timeout: 10_000 });
  logger.info({ nodeId: cfg.NODE_ID, dataDir, intervalMs: cfg.FENCE_WATCHDOG_INTERVAL_MS }, 'fence watchdog guarding the node');

  let lastRead = '';
  const stopping = new Set<string>();
  const ownsPidFile = () => {
    try {
      return Number(readFileSync(paths.pid, 'utf8').trim()) === process.pid;
    } catch {
      return false;
    }
  };
  const end = (why: string) => {
    logger.info({ why }, 'fence watchdog ends');
    if (ownsPidFile()) rmSync(paths.pid, { force: true });
    process.exit(0);
  };

  const tick = async () => {
    if (!existsSync(dataDir)) return end('the node data dir is gone');
    if (!ownsPidFile()) return end('another watchdog took the pid file');
    const read: FenceFileRead = readFenceFile(dataDir);
    const summary = read.kind === 'ok' ? `ok:${read.file.agentPid}` : read.kind === 'invalid' ? `invalid:${read.error}` : 'missing';
    if (summary !== lastRead) {
      if (read.kind === 'invalid') logger.warn({ error: read.error }, 'lease file refused: every g: container of the node is fenced');
      else logger.info({ file: read.kind, agentPid: read.kind === 'ok' ? read.file.agentPid : null }, 'lease file');
      lastRead = summary;
    }
    const file = read.kind === 'ok' ? read.file : null;
    let containers: GuardedContainer[];
    try {
      const list = await docker.listContainers({ all: true, filters: { label: [`${Labels.node}=${cfg.NODE_ID}`, `${Labels.fenced}=g`] } });
      containers = list.map((c) => ({ id: c.Id, app: c.Labels[Labels.app] ?? '', component: c.Labels[Labels.component] ?? '', state: c.State }));
    } catch (err) {
      logger.warn({ err: errorText(err) }, 'cannot list the node\'s containers');
      return;
    }
    const now = monotonicMs();
    const toStop = containersToStop(self, file, containers, now).filter((id) => !stopping.has(id));
    for (const id of toStop) {
      const c = containers.find((x) => x.id === id)!;
      const lease = file?.leases.find((l) => l.app.toLowerCase() === c.app.toLowerCase() && l.component.toLowerCase() === c.component.toLowerCase());
      logger.warn({ app: c.app, component: c.component, container: id.slice(0, 12), term: lease?.term ?? null, lapsedMsAgo: lease ? Math.round(now - lease.lapsesAt) : null },
        'g: lease not valid: stopping the container');
      stopping.add(id);
      void docker.getContainer(id).stop({ t: cfg.FENCE_STOP_TIMEOUT_SEC })
        .then(() => logger.warn({ app: c.app, component: c.component, container: id.slice(0, 12) }, 'g: container stopped by the fence watchdog'))
        .catch((err: { statusCode?: number }) => {
          // 304: already stopped; 404: already removed (the agent fenced it too).
          if (err?.statusCode !== 304 && err?.statusCode !== 404) logger.error({ container: id.slice(0, 12), err: errorText(err) }, 'cannot stop a fenced container');
        })
        .finally(() => stopping.delete(id));
    }
    // The agent that started it, or the one that wrote the file last (a restarted agent reuses this watchdog).
    const agentAlive = isAlivePid(cfg.AGENT_PID) || (file !== null && isAlivePid(file.agentPid));
    const left = containers.filter((c) => !toStop.includes(c.id) && !stopping.has(c.id));
    if (stopping.size === 0 && nothingToGuard(agentAlive, left)) end('the agent is gone and no g: container is alive');
  };

  const loop = async () => {
    try {
      await tick();
    } catch (err) {
      logger.error({ err: errorText(err) }, 'fence watchdog pass failed');
    }
    setTimeout(() => void loop(), cfg.FENCE_WATCHDOG_INTERVAL_MS);
  };
  process.on('SIGTERM', () => end('SIGTERM'));
  process.on('SIGINT', () => end('SIGINT'));
  void loop();
}

main();
