import { GatewayClient } from './gateway-client';

export interface WatchOptions {
  name: string;
  hash: string;
  timeoutMs: number;
  intervalMs: number;
  progress: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows an app from "message sent" to "all instances running", printing each step once:
 * temporary → paid and registered (with this hash) → instances running, n of target.
 */
export async function watchApp(gw: GatewayClient, o: WatchOptions): Promise<{ running: number; target: number }> {
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  const say = (line: string) => { if (line !== last) { o.progress(line); last = line; } };
  for (;;) {
    const specs = await gw.get<Array<{ name: string; hash: string; instances?: number }>>(`/apps/globalappsspecifications?appname=${encodeURIComponent(o.name)}`).catch(() => []);
    const spec = specs.find((s) => s.name.toLowerCase() === o.name.toLowerCase());
    if (!spec || spec.hash !== o.hash) {
      say('waiting for the payment to be confirmed on chain…');
    } else {
      const target = spec.instances ?? 3;
      const locations = await gw.get<Array<{ ip: string; hash: string }>>(`/apps/location/${encodeURIComponent(o.name)}`).catch(() => []);
      const running = locations.filter((l) => l.hash === o.hash).length;
      say(`registered; instances running: ${running}/${target}${running ? ` (${locations.map((l) => l.ip).join(', ')})` : ''}`);
      if (running >= target) return { running, target };
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${o.timeoutMs / 1000}s: ${last}`);
    await sleep(o.intervalMs);
  }
}
