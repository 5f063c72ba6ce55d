import { tryParseContainerData } from '../containerData';
import { parseGeolocationEntry, type GeoRule } from '../geolocation';
import { INSTANCES_MAX, INSTANCES_MIN, INSTANCES_MIN_V8, LATEST_SPEC_VERSION } from '../limits';
import { TIER_KEY_SUFFIX, TIERS, type Tier } from '../protocol/tiers';
import { isObject, num, numbers, port, str, strings, text, truthy, type Loose } from './lenient';
import { AppRuntime, type RuntimeComponent, type RuntimeData, type ResourcesOnTier } from './schema';

/**
 * The runtime view of a verified spec of any version (v1–v8): pure, total (never throws; what cannot
 * run is listed in `problems`), deterministic. The registry derives it once when it registers an app;
 * every other service reads only the view.
 */
export function runtimeView(spec: Loose): AppRuntime {
  const problems: string[] = [];
  const declared = num(spec.version);
  const version = Math.min(LATEST_SPEC_VERSION, Math.max(1, Math.trunc(declared ?? 1)));
  if (declared !== version) problems.push(`spec version ${text(spec.version)} is not one of 1-${LATEST_SPEC_VERSION}; read as v${version}`);
  const name = str(spec.name) ?? '';
  const rawComponents = version >= 4 || Array.isArray(spec.compose) ? composeOf(spec) : [legacyComponent(spec, name, version)];
  if (rawComponents.length === 0) problems.push('spec has no components (an enterprise spec keeps them encrypted, or compose is empty)');
  const components = rawComponents.map((c, i) => component(c, i, problems));
  const publicPorts = unique(components.flatMap((c) => c.ports.map((p) => p.host)).filter((p) => p >= 1));
  const domains = unique(components.flatMap((c) => c.domains).map((d) => d.trim().toLowerCase()).filter((d) => d !== ''));
  const geo = strings(spec.geolocation).map(parseGeolocationEntry).filter((r): r is GeoRule => r !== null);
  return AppRuntime.parse({
    name,
    version,
    owner: str(spec.owner) ?? '',
    instances: instancesOf(spec, version),
    components,
    publicPorts,
    domains,
    geolocation: { allow: geo.filter((r) => r.include).map(geoView), deny: geo.filter((r) => !r.include).map(geoView) },
    nodes: version >= 7 ? strings(spec.nodes).filter((n) => n.trim() !== '') : [],
    staticIp: version >= 7 && truthy(spec.staticip),
    enterprise: version >= 8 && Boolean(spec.enterprise) && spec.enterprise !== '0' && spec.enterprise !== 'false',
    datacenter: version >= 8 && spec.datacenter === true,
    syncedData: components.some((c) => c.data?.syncMode != null),
    problems,
  });
}

/** fluxos.md §1.3 "Instances": pre-v3 apps run 3; v3–v7 at least 3, v8 at least 1; at most 100. */
function instancesOf(spec: Loose, version: number): number {
  if (version < 3) return INSTANCES_MIN;
  const n = num(spec.instances);
  if (n === undefined || !Number.isInteger(n)) return INSTANCES_MIN;
  const min = version >= 8 ? INSTANCES_MIN_V8 : INSTANCES_MIN;
  return Math.min(INSTANCES_MAX, Math.max(min, n));
}

interface RawComponent {
  source: Loose;
  name: string;
  hostPorts: Array<number | undefined>;
  containerPorts: Array<number | undefined>;
  domains: string[];
  environment: unknown;
}

/** A v1–v3 spec seen as one component named after the app. */
function legacyComponent(spec: Loose, appName: string, version: number): RawComponent {
  return {
    source: spec,
    name: appName,
    hostPorts: version === 1 ? [port(spec.port)] : strings(spec.ports).map(port),
    containerPorts: version === 1 ? [num(spec.containerPort)] : numbers(spec.containerPorts),
    domains: strings(spec.domains),
    // FluxOS's v1–v3 key is misspelt `enviromentParameters`; the correct spelling is read too.
    environment: spec.enviromentParameters ?? spec.environmentParameters,
  };
}

function composeOf(spec: Loose): RawComponent[] {
  const compose = Array.isArray(spec.compose) ? spec.compose : [];
  return compose.filter(isObject).map((c) => ({
    source: c,
    name: str(c.name) ?? '',
    hostPorts: (Array.isArray(c.ports) ? c.ports : []).map(port),
    containerPorts: numbers(c.containerPorts),
    domains: strings(c.domains),
    environment: c.environmentParameters,
  }));
}

function component(c: RawComponent, index: number, problems: string[]): RuntimeComponent {
  const label = `component ${index} (${c.name || '?'})`;
  const image = str(c.source.repotag) ?? '';
  if (!c.name) problems.push(`${label} has no name`);
  if (!image) problems.push(`${label} has no image (repotag)`);
  // Host port i publishes container port i (Flux keeps the two lists the same length).
  const ports = c.hostPorts.flatMap((host, i) => (host === undefined ? [] : [{ host, container: c.containerPorts[i] ?? host }]));
  return {
    name: c.name,
    image,
    privateImage: (str(c.source.repoauth) ?? '') !== '',
    ports,
    domains: c.domains,
    environment: strings(c.environment),
    commands: strings(c.source.commands),
    data: data(c.source.containerData, label, problems),
    resources: Object.fromEntries(TIERS.map((t) => [t, resourcesOn(c.source, t)])) as Record<Tier, ResourcesOnTier>,
  };
}

function data(raw: unknown, label: string, problems: string[]): RuntimeData | null {
  const parsed = tryParseContainerData(raw);
  if (!parsed.ok) {
    problems.push(`${label}: containerData ${parsed.error}`);
    return null;
  }
  const { primary, additional, syncMode } = parsed.value;
  return { raw: raw as string, mounts: [primary, ...additional].map(({ kind, containerPath, subdir, componentIndex, isFile }) => ({
    kind, containerPath, subdir, isFile, ...(componentIndex === undefined ? {} : { componentIndex }),
  })), syncMode };
}

/**
 * Resources on a node of `tier`, as FluxOS's installer takes them: a tiered component's tier value
 * when it is set and non-zero (`cpubasic || cpu`), else the flat value. Cores to 0.1, MB and GB up.
 */
function resourcesOn(c: Loose, tier: Tier): ResourcesOnTier {
  const value = (key: 'cpu' | 'ram' | 'hdd'): number => {
    const tiered = truthy(c.tiered) ? num(c[`${key}${TIER_KEY_SUFFIX[tier]}`]) : undefined;
    const v = tiered || num(c[key]) || 0;
    // No node has more than this; a larger figure in an odd stored spec must not overflow the view.
    return Math.min(RESOURCE_CEILING, Math.max(0, v));
  };
  return { cpu: Math.round(value('cpu') * 10) / 10, ramMb: Math.ceil(value('ram')), hddGb: Math.ceil(value('hdd')) };
}

const RESOURCE_CEILING = 1_000_000_000;

function geoView(r: GeoRule): { continent?: string; country?: string; region?: string; raw: string } {
  return {
    raw: r.raw,
    ...(r.continent ? { continent: r.continent } : {}),
    ...(r.country ? { country: r.country } : {}),
    ...(r.region ? { region: r.region } : {}),
  };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
