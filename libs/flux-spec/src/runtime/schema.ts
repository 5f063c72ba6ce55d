import { z } from 'zod';
import { Tier } from '../protocol/tiers';

/**
 * The runtime view of a verified spec: what the spec MEANS to the services that run it, derived once
 * (by `runtimeView`) and carried in AppRegistered/AppUpdated beside the raw spec, so no consumer reads
 * fields of a raw spec of any version again. Plain JSON, validated with these schemas at both ends.
 */

export const MountKind = z.enum(['primary', 'directory', 'localDirectory', 'file', 'componentPrimary', 'componentDirectory', 'componentFile']);
export const SyncMode = z.enum(['r', 'g', 's']);
export type SyncMode = z.infer<typeof SyncMode>;

export const RuntimeMount = z.object({
  kind: MountKind,
  /** Path inside the container. */
  containerPath: z.string(),
  /** Sub-directory or file on the volume (`appdata` for primary mounts). */
  subdir: z.string(),
  /** For mounts of another component's data: that component's index. */
  componentIndex: z.number().int().nonnegative().optional(),
  isFile: z.boolean(),
});
export type RuntimeMount = z.infer<typeof RuntimeMount>;

/** `containerData` parsed (FluxOS mountParser): the primary mount first, then the extra ones. */
export const RuntimeData = z.object({
  raw: z.string(),
  mounts: z.array(RuntimeMount).min(1),
  /** Sync mode of the primary mount: `g` (primary/standby), `r` (synced, gated), `s` (synced), or null. */
  syncMode: SyncMode.nullable(),
});
export type RuntimeData = z.infer<typeof RuntimeData>;

/** What one instance of a component holds on a node of a tier: cores (0.1 steps), MB, GB. */
export const ResourcesOnTier = z.object({
  cpu: z.number().nonnegative(),
  ramMb: z.number().int().nonnegative(),
  hddGb: z.number().int().nonnegative(),
});
export type ResourcesOnTier = z.infer<typeof ResourcesOnTier>;

export const RuntimePort = z.object({
  /** Published on the node. */
  host: z.number().int().min(0).max(65535),
  /** Inside the container (the host port when the spec has no container port for it). */
  container: z.number().int().min(0).max(65535),
});

export const RuntimeComponent = z.object({
  name: z.string(),
  /** Repotag as registered; empty when the spec names none (then `problems` says so). */
  image: z.string(),
  /** Private registry credentials are set (their value stays in the raw spec). */
  privateImage: z.boolean(),
  ports: z.array(RuntimePort),
  /** Custom domains as listed, aligned with `ports` (FDM: domain i routes port i). */
  domains: z.array(z.string()),
  environment: z.array(z.string()),
  commands: z.array(z.string()),
  /** Parsed containerData; null when it does not parse (then `problems` says why). */
  data: RuntimeData.nullable(),
  resources: z.record(Tier, ResourcesOnTier),
});
export type RuntimeComponent = z.infer<typeof RuntimeComponent>;

export const GeoRuleView = z.object({
  continent: z.string().optional(),
  country: z.string().optional(),
  region: z.string().optional(),
  raw: z.string(),
});

export const AppRuntime = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  owner: z.string(),
  /** Instances the app runs (version rules applied: pre-v3 apps run 3; clamped to the version's bounds). */
  instances: z.number().int().positive(),
  /** v1–v3 specs are one component named after the app; v4+ list their compose components in order. */
  components: z.array(RuntimeComponent),
  /** Public ports in FDM's order (the first is also `<app>.app.<domain>`), without duplicates. */
  publicPorts: z.array(z.number().int().min(1).max(65535)),
  /** Custom domains claimed by any component, without duplicates, as written (lowercased). */
  domains: z.array(z.string()),
  /** Parsed geolocation: a node must match one of `allow` (when any) and none of `deny`. */
  geolocation: z.object({ allow: z.array(GeoRuleView), deny: z.array(GeoRuleView) }),
  /** v7+ pinned nodes (ip or ip:port as listed); empty = any node. */
  nodes: z.array(z.string()),
  staticIp: z.boolean(),
  enterprise: z.boolean(),
  datacenter: z.boolean(),
  /** Some component keeps synced data (s:, r: or g:): FluxOS's /16 placement rule applies. */
  syncedData: z.boolean(),
  /** Why the app cannot run as registered (no components, no image, bad containerData); empty when it can. */
  problems: z.array(z.string()),
});
export type AppRuntime = z.infer<typeof AppRuntime>;
