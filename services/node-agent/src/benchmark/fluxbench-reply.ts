import type { Benchmarking, FluxBenchBenchmarks, FluxBenchStatus, Tier } from '@fluxplane/contracts';
import type { NodeMeasurement } from './measure';

/** The version of this measurement method: a change of what or how it measures is a new version. */
export const BENCH_VERSION = 'fluxplane-bench/2';
export const FLUX_VERSION = 'fluxplane-node-agent/0.1.0';

/** The bench service's last verdict on this node, as its NodeBenchmarked says. */
export interface Verdict {
  passed: boolean;
  tier: Tier | null;
  reason?: string;
}

/**
 * FluxBench's `status`: the tier on a pass; `failed` on a failed verdict; before any verdict what the
 * node is doing (`pending`, `running`; a measurement that failed is `failed`). FluxOS counts anything
 * but a tier name as not passed, which is right for all of these.
 */
export function benchStatus(verdict: Verdict | null, benchmarking: Benchmarking): string {
  if (verdict) return verdict.passed && verdict.tier ? verdict.tier : 'failed';
  return benchmarking === 'complete' ? 'pending' : benchmarking;
}

/**
 * `getbenchmarks` from what the node measured and the verdict on it. Before the first measurement
 * every figure is 0. Ping and bandwidth are null: there is no internet to measure them against.
 * All storage is reported as `ssd` (the disk type is not probed).
 */
export function toBenchmarks(o: {
  ip: string; measurement: NodeMeasurement | null; verdict: Verdict | null; benchmarking: Benchmarking; error: string | null;
  traits?: FluxBenchBenchmarks['traits'];
}): FluxBenchBenchmarks {
  const m = o.measurement;
  return {
    status: benchStatus(o.verdict, o.benchmarking),
    time: m ? Math.floor(m.at / 1000) : 0,
    ipaddress: o.ip,
    cores: m?.cores ?? 0,
    real_cores: m?.realCores ?? 0,
    ram: m?.ramGb ?? 0,
    ssd: m?.storageGb ?? 0,
    hdd: 0,
    ddwrite: m?.ddwriteMbps ?? 0,
    totalstorage: m?.storageGb ?? 0,
    disksinfo: m ? [{ disk: m.dataDir, size: m.storageGb, writespeed: m.ddwriteMbps }] : [],
    eps: m?.eps ?? 0,
    ping: null,
    download_speed: null,
    upload_speed: null,
    speed: null,
    bench_version: BENCH_VERSION,
    flux_version: FLUX_VERSION,
    architecture: m?.architecture ?? '',
    thunder: false,
    error: (o.error ?? (o.verdict && !o.verdict.passed ? o.verdict.reason ?? '' : '')).slice(0, 500),
    ...(o.traits ? { traits: o.traits } : {}),
  };
}

export function toStatus(benchmarking: Benchmarking, fluxUp: boolean): FluxBenchStatus {
  return { status: 'online', benchmarking, flux: fluxUp };
}

/** The node's placement traits from its configuration (`NODE_LOCATION` is `continent_country[_region]`). */
export function nodeTraits(c: { NODE_LOCATION?: string; NODE_STATIC_IP: boolean; NODE_DATACENTER: boolean; NODE_ENTERPRISE: boolean }): NonNullable<FluxBenchBenchmarks['traits']> {
  const [continent, country, region] = c.NODE_LOCATION?.split('_') ?? [];
  return {
    ...(continent && country ? { geolocation: { continent, country, ...(region ? { region } : {}) } } : {}),
    staticIp: c.NODE_STATIC_IP, datacenter: c.NODE_DATACENTER, enterprise: c.NODE_ENTERPRISE,
  };
}
