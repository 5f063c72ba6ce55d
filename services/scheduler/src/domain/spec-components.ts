import { ComponentRun, type Tier } from '@fluxplane/contracts';
import { num, numbers, str, strings, tieredValue, type Loose } from './spec-values';

export type ComponentsResult = { ok: true; components: ComponentRun[] } | { ok: false; reason: string };

/**
 * Turns an app spec (any version, v1–v8) into what a node agent of the given tier runs: one
 * ComponentRun per container. v1–v3 specs are a single container named after the app; v4+ list
 * `compose` components. Tiered specs take the node's tier value, falling back to the flat one.
 */
export function componentRuns(spec: Loose, tier: Tier): ComponentsResult {
  const appName = str(spec.name) ?? '';
  const version = num(spec.version) ?? 1;
  const raw = version >= 4 || Array.isArray(spec.compose) ? composeComponents(spec) : [legacyComponent(spec, appName, version)];
  if (raw.length === 0) {
    // v8 enterprise specs keep `compose: []` publicly; their content is encrypted for ArcaneOS only.
    return { ok: false, reason: 'spec has no components (enterprise spec or empty compose)' };
  }
  const components: ComponentRun[] = [];
  for (const [i, c] of raw.entries()) {
    const built = toRun(c, tier);
    const parsed = ComponentRun.safeParse(built);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
      return { ok: false, reason: `component ${i} (${String(c.name ?? '?')}) is not runnable: ${issues}` };
    }
    components.push(parsed.data);
  }
  return { ok: true, components };
}

/** A v1–v3 spec seen as one component. */
function legacyComponent(spec: Loose, appName: string, version: number): Loose {
  const hostPorts = version === 1 ? [num(spec.port)].filter((p) => p !== undefined) : numbers(spec.ports);
  const containerPorts = version === 1 ? [num(spec.containerPort)].filter((p) => p !== undefined) : numbers(spec.containerPorts);
  return {
    ...spec,
    name: appName,
    hostPorts,
    containerPortList: containerPorts,
    // FluxOS's v1–v3 key is misspelt `enviromentParameters`; accept the correct spelling too.
    env: spec.enviromentParameters ?? spec.environmentParameters,
  };
}

function composeComponents(spec: Loose): Loose[] {
  const compose = Array.isArray(spec.compose) ? spec.compose : [];
  return compose
    .filter((c): c is Loose => typeof c === 'object' && c !== null)
    .map((c) => ({ ...c, hostPorts: numbers(c.ports), containerPortList: numbers(c.containerPorts), env: c.environmentParameters }));
}

function toRun(c: Loose, tier: Tier): unknown {
  const hosts = c.hostPorts as Array<number | undefined>;
  const containers = c.containerPortList as Array<number | undefined>;
  const cpu = tieredValue(c, 'cpu', tier);
  const ram = tieredValue(c, 'ram', tier);
  const hdd = tieredValue(c, 'hdd', tier);
  return {
    name: str(c.name),
    image: str(c.repotag),
    // Host port i publishes container port i (Flux keeps the two arrays the same length).
    ports: hosts.map((host, i) => ({ host, container: containers[i] ?? host })),
    environment: strings(c.env),
    commands: strings(c.commands),
    containerData: str(c.containerData) ?? '',
    cpu: cpu === undefined ? undefined : Math.round(cpu * 10) / 10,
    ramMb: ram === undefined ? undefined : Math.ceil(ram),
    hddGb: hdd === undefined ? undefined : Math.ceil(hdd),
  };
}
