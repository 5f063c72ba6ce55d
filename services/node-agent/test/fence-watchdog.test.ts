import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitUntil } from '@fluxplane/testkit';
import { bootId, isAlivePid, monotonicMs, runningWatchdog, writeFenceFile } from '../src/adapters/fence-file';
import { ensureFenceWatchdog, watchdogScript } from '../src/fence-watchdog/launcher';
import { Labels } from '../src/domain/naming';

const IMAGE = '127.0.0.1:5000/fluxplane/demo:latest';
const NODE = `wd-${randomBytes(3).toString('hex')}`;

function run(app: string, labels: Record<string, string>): string {
  const args = ['run', '-d', '--label', `${Labels.node}=${NODE}`, '--label', `${Labels.app}=${app}`, '--label', `${Labels.component}=web`];
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  return execFileSync('docker', [...args, IMAGE]).toString().trim();
}
const finishedAt = (id: string) => Date.parse(execFileSync('docker', ['inspect', '--format', '{{.State.FinishedAt}}', id]).toString().trim());
const running = (id: string) => execFileSync('docker', ['inspect', '--format', '{{.State.Running}}', id]).toString().trim() === 'true';

/**
 * The fence watchdog process with the real Docker engine: started by an "agent" (a child process
 * calling the launcher), reused by the next one, it stops the node's g: containers whose lease lapsed
 * and leaves alone the others, then ends when the node's data dir is removed.
 */
describe('fence watchdog (real Docker, real process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fence-watchdog-'));
  let agent: ChildProcess | undefined;
  const containers: string[] = [];

  beforeAll(() => {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
  });
  afterAll(() => {
    agent?.kill('SIGKILL');
    if (containers.length) execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore' });
    rmSync(dataDir, { recursive: true, force: true }); // a watchdog still running ends when its dir is gone
  });

  it('is started once, reused by the next agent, stops lapsed g: containers only, and ends with its node data dir', async () => {
    const lease = (app: string, inMs: number) => ({ app, component: 'web', term: 1, lapsesAt: monotonicMs() + inMs });
    const leased = run('kept', { [Labels.fenced]: 'g' });
    const lapsing = run('lapsing', { [Labels.fenced]: 'g' });
    const plain = run('plain', {});
    containers.push(leased, lapsing, plain);
    // The agent wrote its leases before any g: container ran.
    writeFenceFile(dataDir, { version: 1, nodeId: NODE, bootId: bootId(), agentPid: process.pid, leases: [lease('kept', 60_000), lease('lapsing', 60_000)] });

    // An agent process starts the watchdog and stays up.
    const launch = `const l = require(${JSON.stringify(watchdogScript().replace(/main\.js$/, 'launcher.js'))});
      const w = l.ensureFenceWatchdog({ nodeId: ${JSON.stringify(NODE)}, dataDir: ${JSON.stringify(dataDir)}, dockerSocket: '/var/run/docker.sock', logLevel: 'info', intervalMs: 100, stopTimeoutSec: 1 });
      console.log(JSON.stringify(w)); setInterval(() => {}, 1000);`;
    agent = spawn(process.execPath, ['-e', launch], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ pid: number; started: boolean }>((resolve) => agent!.stdout!.once('data', (b: Buffer) => resolve(JSON.parse(b.toString()))));
    expect(started.started).toBe(true);
    await waitUntil(() => runningWatchdog(dataDir) === started.pid, { timeoutMs: 5000, what: 'the watchdog to write its pid file' });

    // The next agent (here: this process) finds it and does not start a second one.
    const again = ensureFenceWatchdog({ nodeId: NODE, dataDir, dockerSocket: '/var/run/docker.sock', logLevel: 'info', intervalMs: 100, stopTimeoutSec: 1 });
    expect(again).toEqual({ pid: started.pid, started: false });

    // A lease that lapses 1.5 s from now: the container is stopped then, not before (Docker's own clock).
    const lapseWall = Date.now() + 1500;
    writeFenceFile(dataDir, { version: 1, nodeId: NODE, bootId: bootId(), agentPid: process.pid, leases: [lease('kept', 60_000), lease('lapsing', 1500)] });
    await waitUntil(() => !running(lapsing), { timeoutMs: 10_000, intervalMs: 100, what: 'the lapsed g: container stopped' });
    expect(finishedAt(lapsing)).toBeGreaterThanOrEqual(lapseWall - 50);
    expect(running(leased)).toBe(true);
    expect(running(plain)).toBe(true); // not a g: container: not the watchdog's

    // The agent dies; its lease file stays; the leased container runs until its lease lapses.
    agent.kill('SIGKILL');
    await sleep(500);
    expect(isAlivePid(started.pid)).toBe(true);
    expect(running(leased)).toBe(true);
    // A next agent (this process) renews once more, then its lease lapses: the watchdog stops the container.
    writeFenceFile(dataDir, { version: 1, nodeId: NODE, bootId: bootId(), agentPid: process.pid, leases: [lease('kept', 500)] });
    await waitUntil(() => !running(leased), { timeoutMs: 5000, intervalMs: 100, what: 'the last g: container stopped after its lease' });
    // That agent (this process) is alive, so the watchdog stays; the node's data dir removed, it ends.
    rmSync(dataDir, { recursive: true, force: true });
    await waitUntil(() => !isAlivePid(started.pid), { timeoutMs: 5000, intervalMs: 100, what: 'the watchdog to end with its data dir' });
    expect(running(plain)).toBe(true);
  }, 60_000);
});
