import { execFileSync } from 'node:child_process';
import { errorText } from '@fluxplane/observability';
import { join } from 'node:path';

/** How a node agent reaches its node's Syncthing. */
export interface NodeSyncthing {
  /** REST API, e.g. `http://127.1.0.1:8384` */
  url: string;
  /** File holding the API key (written by scripts/infra/syncthing.sh). */
  apiKeyFile: string;
  /** Where the other nodes' Syncthing dial this one, e.g. `tcp://127.1.0.1:16129` */
  listenAddress: string;
}

/**
 * Starts (or reuses) one node's Syncthing with scripts/infra/syncthing.sh, on the node's own
 * address: API on `<ip>:<guiPort>`, peers on `tcp://<ip>:<listenPort>` (FluxOS: API port + 2).
 * Stopped by `scripts/infra/down.sh syncthing` with the same FLUXPLANE_RUN.
 */
export function startNodeSyncthing(o: { root: string; run: string; name: string; ip: string; guiPort: number; listenPort: number; home: string; prefix?: string[] }): NodeSyncthing {
  const gui = `${o.ip}:${o.guiPort}`;
  const listenAddress = `tcp://${o.ip}:${o.listenPort}`;
  // `prefix` (e.g. nsenter --net=...): the script, and so Syncthing, runs in the node's network namespace.
  const [cmd, ...args] = [...(o.prefix ?? []), 'bash', join(o.root, 'scripts/infra/syncthing.sh'), o.name, gui, listenAddress, o.home];
  try {
    execFileSync(cmd!, args, {
      env: { ...process.env, FLUXPLANE_RUN: o.run }, stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-5).join('\n');
    throw new Error(`Syncthing for ${o.name} did not start: ${stderr || errorText(err)}`, { cause: err });
  }
  return { url: `http://${gui}`, apiKeyFile: join(o.home, 'apikey'), listenAddress };
}
