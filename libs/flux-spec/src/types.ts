/**
 * Shapes of a formatted (canonical) FluxOS app specification. Optional fields exist
 * only in the versions that define them (see fluxos.md §1.1).
 */

export interface TierResources {
  cpubasic: number;
  cpusuper: number;
  cpubamf: number;
  rambasic: number;
  ramsuper: number;
  rambamf: number;
  hddbasic: number;
  hddsuper: number;
  hddbamf: number;
}

/** A v4+ compose component. */
export interface AppComponent extends Partial<TierResources> {
  name: string;
  description: string;
  repotag: string;
  ports: number[];
  domains: string[];
  environmentParameters: string[];
  commands: string[];
  containerPorts: number[];
  containerData: string;
  cpu: number;
  ram: number;
  hdd: number;
  /** v4–v7 only. */
  tiered?: boolean;
  /** v7+. */
  repoauth?: string;
  /** v7 only. */
  secrets?: string;
}

export interface FluxAppSpec extends Partial<TierResources> {
  version: number;
  name: string;
  description: string;
  owner: string;
  // v1–v3
  repotag?: string;
  /** v1 only. */
  port?: number;
  /** v1 only. */
  containerPort?: number;
  /** v2–v3: strings. */
  ports?: string[];
  domains?: string[];
  containerPorts?: string[];
  /** v1–v3 (sic, misspelt in FluxOS). */
  enviromentParameters?: string[];
  commands?: string[];
  containerData?: string;
  cpu?: number;
  ram?: number;
  hdd?: number;
  tiered?: boolean;
  // v4+
  compose?: AppComponent[];
  /** v3+. */
  instances?: number;
  /** v5+. */
  contacts?: string[];
  geolocation?: string[];
  /** v6+. */
  expire?: number;
  /** v7+. */
  nodes?: string[];
  staticip?: boolean;
  /** v8, only when given as a boolean. */
  datacenter?: boolean;
  /** v8: false / '' for a public app, an encrypted string for an enterprise app. */
  enterprise?: string | boolean | number;
}

/** What a validator works on before type checks have proven the shape. */
export type Loose = Record<string, unknown>;
