import { waitUntil } from '@fluxplane/testkit';
import { addressFromPrivateKey, buildAppMessage, formatSpec, signMessage } from '@fluxplane/flux-spec';
import { errorText } from '@fluxplane/observability';
import { ProcessGroup, ProcessSpec } from './processes';
import { NodeSpec } from './topology';

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Waits until a service's `/health` says ok; on timeout the error carries its log tail. */
export async function waitHealthy(group: ProcessGroup, name: string, port: number, timeoutMs = 60_000, host = '127.0.0.1'): Promise<void> {
  try {
    await waitUntil(async () => (await fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs, what: `${name} /health`, intervalMs: 200 });
  } catch (err) {
    throw new Error(`${errorText(err)}\n--- ${name} log ---\n${group.tail(name)}`, { cause: err });
  }
}

export async function waitDevchain(url: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => (await fetch(new URL('/control/status', url), { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs, what: `devchain at ${url}` });
}

/**
 * Registers a node on the devchain with the given collateral (1000 = Cumulus), unless one with that
 * ip is already in its deterministic list (a devnet that was brought up before).
 */
export async function ensureNode(devchainUrl: string, ip: string, collateral = 1000): Promise<string> {
  const list = await json<Array<{ ip: string; collateral?: string; txhash?: string; outidx?: number | string }>>(new URL('/control/nodes', devchainUrl).toString());
  const existing = list.find((n) => n.ip === ip || n.ip?.split(':')[0] === ip);
  if (existing?.txhash !== undefined && existing.outidx !== undefined) return `${existing.txhash}:${existing.outidx}`;
  const r = await json<{ nodeId: string }>(new URL('/control/nodes', devchainUrl).toString(), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ip, collateral }),
  });
  return r.nodeId;
}

export async function startServices(group: ProcessGroup, processes: ProcessSpec[], ports: Record<string, number>): Promise<void> {
  for (const p of processes) group.start(p);
  await Promise.all(processes.map((p) => waitHealthy(group, p.name, Number(p.env.HTTP_PORT ?? ports[p.name]), 60_000, p.env.HTTP_HOST)));
}

export interface DeployOptions {
  gatewayUrl: string;
  devchainUrl: string;
  spec: Record<string, unknown>;
  key: string;
  /** Extra FLUX on top of the price (0 = exact price). */
  tip?: number;
}

/**
 * Logs `key` in at a FluxOS-compatible gateway (sign a phrase from /id/loginphrase, confirm it with
 * /id/verifylogin) and returns the `zelidauth` header value its user routes require.
 */
export async function loginToGateway(gatewayUrl: string, key: string): Promise<string> {
  const phrase = await json<{ status: string; data: string }>(new URL('/id/loginphrase', gatewayUrl).toString());
  if (phrase.status !== 'success') throw new Error(`no login phrase: ${JSON.stringify(phrase.data)}`);
  const auth = { zelid: addressFromPrivateKey(key), signature: signMessage(phrase.data, key), loginPhrase: phrase.data };
  const reply = await json<{ status: string; data: unknown }>(new URL('/id/verifylogin', gatewayUrl).toString(), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(auth),
  });
  if (reply.status !== 'success') throw new Error(`login refused: ${JSON.stringify(reply.data)}`);
  return JSON.stringify(auth);
}

/** Logs in, signs, registers and pays for an app, as an owner would; returns the message hash. */
export async function deployApp(o: DeployOptions): Promise<string> {
  return submitApp(o, 'fluxappregister');
}

/** Logs in, signs, submits and pays for an update of an app (`/apps/appupdate`), as its owner would; returns the message hash. */
export async function updateApp(o: DeployOptions): Promise<string> {
  return submitApp(o, 'fluxappupdate');
}

async function submitApp(o: DeployOptions, type: 'fluxappregister' | 'fluxappupdate'): Promise<string> {
  const spec = formatSpec(o.spec) as unknown as Record<string, unknown>;
  const zelidauth = await loginToGateway(o.gatewayUrl, o.key);
  // An update is a newer message than the registration: its timestamp must be later.
  const message = buildAppMessage(type, spec, o.key, type === 'fluxappupdate' ? { timestamp: Date.now() + 1 } : undefined);
  const reply = await json<{ status: string; data: unknown }>(new URL(type === 'fluxappupdate' ? '/apps/appupdate' : '/apps/appregister', o.gatewayUrl).toString(), {
    method: 'POST', headers: { 'content-type': 'application/json', zelidauth }, body: JSON.stringify(message),
  });
  if (reply.status !== 'success') throw new Error(`${type === 'fluxappupdate' ? 'update' : 'registration'} refused: ${JSON.stringify(reply.data)}`);
  // The gateway prices it as the registry will: rules height, on-chain price soft forks included.
  const price = await json<{ status: string; data: { flux: number } }>(new URL('/apps/calculateprice', o.gatewayUrl).toString(), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec),
  });
  if (price.status !== 'success') throw new Error(`pricing refused: ${JSON.stringify(price.data)}`);
  const amount = price.data.flux + (o.tip ?? 0);
  await json(new URL('/control/payments', o.devchainUrl).toString(), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hash: message.hash, amount }),
  });
  return message.hash;
}

export type { NodeSpec };
