/**
 * The `g:` master election's vocabulary. All instants are milliseconds of the ELECTOR's clock
 * (`seenAt`: when the elector learned a fact), except `reportAt`/`lastCompleteAt`, which are both
 * the reporting agent's clock and are only ever compared with each other.
 */

/** The master of one term, as the app's master stream says (MasterElected). */
export interface MasterTerm {
  nodeId: string;
  term: number;
  leaseMs: number;
  /** When the elector first saw this term (its own append, or reading the stream). */
  seenAt: number;
}

/**
 * The last lease entry the elector saw in the `MASTER_LEASES_BUCKET` KV for this component: a
 * renewal (`released: false`), or the entry's deletion by its holder (`released: true`: the holder
 * stopped its component and gave the lease up).
 */
export interface LeaseSeen {
  nodeId: string;
  term: number;
  leaseMs: number;
  released: boolean;
  seenAt: number;
}

/** What the elector knows of one (app, g: component) before deciding. */
export interface ElectionState {
  current: MasterTerm | null;
  lease: LeaseSeen | null;
}

/** One node holding a placement of the app, as the elector sees it. */
export interface Candidate {
  nodeId: string;
  /** The node is up (heartbeats; NodeWentDown/NodeCameBack). */
  up: boolean;
  /** The placement's instance failed (its latest report for this placement is InstanceFailed or Stopped). */
  failed: boolean;
  /** This node's latest sync report for the component's folder; null: none seen. */
  sync: FolderSyncView | null;
}

export interface FolderSyncView {
  /** When the elector received the report (elector's clock). */
  seenAt: number;
  /** The report's own `at` (agent's clock). */
  reportAt: number;
  /** `lastCompleteAt` of the folder (agent's clock); null: never complete since the agent started. */
  lastCompleteAt: number | null;
}

export interface ElectionInput {
  app: string;
  component: string;
  /** The nodes that hold a placement of the app now; a node not listed does not hold it. */
  candidates: readonly Candidate[];
}

export interface ElectionConfig {
  /** Lease of a new master (MASTER_LEASE_MS). */
  leaseMs: number;
  /** Waited on top of the lease before a new term (MASTER_LEASE_MARGIN_MS): delivery delays, clock drift. */
  marginMs: number;
  /** A sync report counts when received within this, and its folder was complete within this of it (MASTER_SYNC_FRESH_MS). */
  syncFreshMs: number;
}

/** MasterElected's data. */
export interface MasterElectedData {
  app: string;
  component: string;
  nodeId: string;
  term: number;
  reason: string;
  leaseMs: number;
}

export type ElectionDecision =
  /** Append this MasterElected. */
  | { kind: 'elect'; elected: MasterElectedData }
  /** The master in force is fine. */
  | { kind: 'keep' }
  /** A new master is needed, but the old lease may still be valid: decide again at `until`. */
  | { kind: 'wait'; until: number; reason: string }
  /** A master is needed and nobody is eligible (or nobody holds the app). */
  | { kind: 'none'; reason: string };
