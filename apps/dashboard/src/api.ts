import type { AppLocation, NetworkNode, NetworkSummary, PlacementExplanation, RegisteredSpec } from '@fluxplane/contracts';

export type { AppLocation, NetworkNode, NetworkSummary, PlacementExplanation, RegisteredSpec };

/** One event as `GET /events/recent` and `GET /events/live` send it. */
export interface LiveEvent {
  seq: number;
  subject: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}

/** One sample of `GET /stats/history` (services/stats); only the fields the charts read. */
export interface StatsSample {
  at: number;
  nodes: { total: number; up: number; down: number; byTier: Record<string, number> };
  apps: { total: number };
  instances: { running: number; scheduled: number; failed: number };
  activity?: { started: number; failed: number; moved: number; masterChanges: number };
}
export interface StatsHistory {
  intervalS: number;
  samples: StatsSample[];
}

/** Each node's answer to an owner route, or its error. */
export type PerNode<T> = Array<{ nodeId: string; ip: string; data: T } | { nodeId: string; ip: string; error: { message: string } }>;
export type AppLogs = PerNode<Array<{ component: string; container: string; log: string }>>;

/** An answer of the gateway that was not a success: its Flux error message, or the HTTP status. */
export class GatewayError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

/**
 * GET (or POST) a gateway route and unwrap Flux's envelope `{status, data}`. Every route here is on
 * the gateway that served this page, so paths are absolute from its root.
 */
export async function call<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; zelidauth?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.zelidauth) headers.zelidauth = init.zelidauth;
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  let reply: unknown;
  try {
    reply = await res.json();
  } catch {
    throw new GatewayError(`${path}: HTTP ${res.status}, not JSON`, res.status);
  }
  if (!isEnvelope(reply)) throw new GatewayError(`${path}: HTTP ${res.status}, not a Flux envelope`, res.status);
  if (reply.status !== 'success') {
    const err = reply.data as { code?: number; message?: string } | undefined;
    throw new GatewayError(err?.message ?? `${path}: ${reply.status}`, err?.code ?? res.status);
  }
  return reply.data as T;
}

function isEnvelope(x: unknown): x is { status: string; data: unknown } {
  return typeof x === 'object' && x !== null && typeof (x as { status?: unknown }).status === 'string' && 'data' in x;
}

export const api = {
  stats: () => call<NetworkSummary>('/stats'),
  /** null while the stats service keeps no history (the route is absent or answers an error). */
  history: async (fromMs: number, toMs: number): Promise<StatsHistory | null> => {
    try {
      return await call<StatsHistory>(`/stats/history?from=${fromMs}&to=${toMs}`);
    } catch {
      return null;
    }
  },
  specs: () => call<RegisteredSpec[]>('/apps/globalappsspecifications'),
  spec: (app: string) => call<RegisteredSpec>(`/apps/appspecifications/${encodeURIComponent(app)}`),
  locations: () => call<AppLocation[]>('/apps/locations'),
  nodes: () => call<NetworkNode[]>('/nodes'),
  placement: (app: string) => call<PlacementExplanation>(`/apps/placement/${encodeURIComponent(app)}`),
  recentEvents: (app: string, limit = 30) => call<LiveEvent[]>(`/events/recent?app=${encodeURIComponent(app)}&limit=${limit}`),
  loginPhrase: () => call<string>('/id/loginphrase'),
  verifyLogin: (auth: { zelid: string; signature: string; loginPhrase: string }) => call<unknown>('/id/verifylogin', { method: 'POST', body: auth }),
  appLog: (app: string, zelidauth: string, lines = 100) => call<AppLogs>(`/apps/applog/${encodeURIComponent(app)}/${lines}`, { zelidauth }),
  appRestart: (app: string, zelidauth: string) => call<unknown>(`/apps/apprestart/${encodeURIComponent(app)}`, { zelidauth }),
};
