import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSpec, deployApp, loginToGateway } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, waitUntil } from '@fluxplane/testkit';
import { networkForFile, ROOT } from './harness';

const DOMAIN = 'events.fluxplane.test';
const BIN = join(ROOT, 'libs/client/dist/bin/print-events.js');

/** The example consumer as a user runs it (README): its own process, its lines on stdout. */
class PrintEvents {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(app: string, stateFile: string, natsUrl: string) {
    this.child = spawn(process.execPath, [BIN, app, stateFile], { env: { ...process.env, NATS_URL: natsUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      this.lines.push(...parts);
    });
    this.child.stderr!.resume();
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Stream sequences of the printed lines of `type`. */
  seqs(type: 'AppRegistered' | 'InstanceStarted'): number[] {
    return this.lines.filter((l) => l.includes(` ${type} `)).map((l) => Number(/^#(\d+) /.exec(l)?.[1]));
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

/**
 * `print-events` (libs/client, the README's example consumer) against a whole network with the demo
 * app: it prints the app's AppRegistered and InstanceStarted; restarted with its stored sequence it
 * prints only what came after (the owner stopping and starting the app); with no stored sequence it
 * prints everything from the start again.
 */
describe('example consumer: print-events', () => {
  const app = `evts${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const net = networkForFile({ nodeIps: ['127.61.0.1', '127.62.0.1', '127.63.0.1'], domain: DOMAIN, app });
  const dir = mkdtempSync(join(tmpdir(), 'fp-print-events-'));
  const stateFile = join(dir, `${app}.seq`);
  const running: PrintEvents[] = [];
  const start = () => {
    const p = new PrintEvents(app, stateFile, net.nats.url);
    running.push(p);
    return p;
  };
  const owner = async (route: string, zelidauth: string) => {
    const r = (await (await fetch(`${net.gatewayUrl}/apps/${route}/${app}`, { headers: { zelidauth } })).json()) as { status: string; data: unknown };
    expect(r.status, JSON.stringify(r.data)).toBe('success');
  };
  afterAll(async () => {
    for (const p of running) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints AppRegistered and InstanceStarted, resumes after its stored sequence, and starts over without it', async () => {
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, await freePortOn(net.nodes.map((n) => n.ip))), key });

    const first = start();
    await waitUntil(() => first.seqs('AppRegistered').length === 1 && first.seqs('InstanceStarted').length === 3, { timeoutMs: 120_000, what: 'AppRegistered and 3 InstanceStarted printed' });
    expect(first.lines.every((l) => l.includes(app))).toBe(true);
    expect(await first.stop()).toBe(0);
    const stored = Number(readFileSync(stateFile, 'utf8').trim());
    expect(stored).toBe(Math.max(...first.seqs('InstanceStarted')));

    // Restarted with the stored sequence: nothing printed again, only what comes after it.
    const second = start();
    const zelidauth = await loginToGateway(net.gatewayUrl, key);
    await owner('appstop', zelidauth);
    await owner('appstart', zelidauth);
    await waitUntil(() => second.seqs('InstanceStarted').length === 3, { timeoutMs: 90_000, what: 'the 3 instances started again, printed' });
    expect(second.seqs('AppRegistered')).toEqual([]);
    expect(Math.min(...second.seqs('InstanceStarted'))).toBeGreaterThan(stored);
    expect(await second.stop()).toBe(0);

    // No stored sequence: from the start again.
    rmSync(stateFile);
    const third = start();
    await waitUntil(() => third.seqs('InstanceStarted').length === 6, { timeoutMs: 30_000, what: 'every event printed from the start' });
    expect(third.seqs('AppRegistered')).toEqual(first.seqs('AppRegistered'));
    expect(third.seqs('InstanceStarted')).toEqual([...first.seqs('InstanceStarted'), ...second.seqs('InstanceStarted')]);
  }, 300_000);
});
