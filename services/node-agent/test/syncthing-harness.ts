import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@fluxplane/testkit';
import { SyncthingRest } from '../src/adapters/syncthing.rest';

const ROOT = resolve(__dirname, '../../..');

export interface SyncthingInstance {
  name: string;
  url: string;
  listen: string;
  home: string;
  apiKey: string;
  client: SyncthingRest;
  deviceId: string;
}

/** Real Syncthing instances on loopback, started by scripts/infra/syncthing.sh in a private run dir. */
export async function startSyncthings(names: string[], ip = '127.0.0.1'): Promise<{ run: string; instances: SyncthingInstance[]; stop(): void }> {
  const run = mkdtempSync(join(tmpdir(), 'fp-st-'));
  const stop = () => {
    try {
      execFileSync('bash', [join(ROOT, 'scripts/infra/down.sh'), 'syncthing'], { env: { ...process.env, FLUXPLANE_RUN: join(run, 'run') }, stdio: 'ignore' });
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  };
  try {
    const instances: SyncthingInstance[] = [];
    for (const name of names) {
      const gui = `${ip}:${await freePort(ip)}`;
      const listen = `tcp://${ip}:${await freePort(ip)}`;
      const home = join(run, name);
      const apiKey = execFileSync('bash', [join(ROOT, 'scripts/infra/syncthing.sh'), name, gui, listen, home], {
        env: { ...process.env, FLUXPLANE_RUN: join(run, 'run') }, stdio: ['ignore', 'pipe', 'pipe'],
      }).toString().trim();
      const client = new SyncthingRest({ url: `http://${gui}`, apiKey });
      instances.push({ name, url: `http://${gui}`, listen, home, apiKey, client, deviceId: await client.myId() });
    }
    return { run, instances, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
