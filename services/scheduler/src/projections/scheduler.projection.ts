import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventOf } from '@fluxplane/contracts';
import type { Projection, ProjectionContext } from '@fluxplane/eventstore';
import type { AppRuntime, Tier } from '@fluxplane/flux-spec';
import { ClusterState, demandOf, key, locationOf, type StatusReport } from '../domain';
import { T } from './tables';

export { key };

/**
 * Which apps an event may change the placement decision of: one app, or for a node change the apps
 * on the node (`apps`) and, when it gained room, every app left short of its target (`short`).
 */
export type Change =
  /** `held`: the scheduler's memory already had it (its own decision): nothing new to decide, but elections may care. */
  | { kind: 'app'; app: string; cause: Cause; held?: boolean }
  | { kind: 'nodes'; apps: string[]; short: boolean; cause: Cause };
export interface Cause { id: string; correlationId?: string }
type PlacementEvent = EventOf<'InstanceScheduled'> | EventOf<'InstanceUnscheduled'>;
/** The events `apply` writes a node row for (creating it when missing). */
const NODE_ROW_EVENTS: ReadonlySet<string> = new Set(['NodeRegistered', 'NodeExpired', 'NodeRegistrationReverted', 'NodeExpiryReverted', 'NodeBenchmarked', 'NodeWentDown', 'NodeCameBack']);

/**
 * The scheduler's read model: nodes (health and tier), apps (desired spec), placements (what the
 * scheduler decided, with the resources each holds), the latest report of each instance, and the
 * setbacks (a spec hash failed or was stopped on a node) that keep a node from being retried.
 *
 * Changes are announced only after the transaction that applied them committed (`flush`), so a
 * reconcile triggered by them always reads them; the one exception is the monitor's own liveness
 * transitions, held as soon as the stream stored them (`holdOwnLiveness`).
 */
@Injectable()
export class SchedulerProjection implements Projection {
  readonly name = 'scheduler';
  readonly subjects = ['evt.>'];
  /**
   * v2: apps keep the spec's runtime view, not the raw spec. v3: node location and traits, each
   * placement's reason, each app's placement-stream revision (the in-memory state loads them).
   * v4: also a node is up only once heard (NodeCameBack): `up` starts false.
   * v5: `instance_routes` (InstanceRouted until InstanceDrained): rolling updates wait on it.
   */
  readonly version = 5;
  private readonly pending = new Map<number, DomainEvent>();
  private readonly listeners: Array<(c: Change) => void> = [];
  /** Node rows known to exist during the batch being applied. */
  private ensured?: Set<string>;

  constructor(private readonly state: ClusterState) {}

  onChange(listener: (c: Change) => void): void {
    this.listeners.push(listener);
  }

  /** Runner hook: the event at `seq` is committed; hold it in memory and tell the listeners. */
  flush(seq: number): void {
    const e = this.pending.get(seq);
    this.pending.delete(seq);
    if (e) this.announce(e, seq);
  }

  /**
   * A liveness transition this process has just stored (the heartbeat monitor's NodeWentDown or
   * NodeCameBack, acknowledged at `seq`): held in memory and announced now, not when the projection
   * has read it back and committed its batch to Postgres — under a mass silence that batch queues
   * behind the replacements themselves, and every second of it delayed healing. The event is durable
   * in the stream, so nothing is decided on what could be lost; when the projection delivers it, the
   * state skips it (a node's liveness is held by sequence).
   */
  holdOwnLiveness(e: EventOf<'NodeWentDown'> | EventOf<'NodeCameBack'>, seq: number): void {
    this.announce(e, seq);
  }

  private announce(e: DomainEvent, seq: number): void {
    const wake = this.state.apply(e, seq);
    const cause = { id: e.id, correlationId: e.correlationId };
    const changes: Change[] = e.type.startsWith('Node')
      ? [{ kind: 'nodes', apps: wake.apps, short: wake.short, cause }]
      : wake.apps.map((app) => ({ kind: 'app', app, cause }));
    if ((e.type === 'InstanceScheduled' || e.type === 'InstanceUnscheduled') && wake.apps.length === 0) {
      changes.push({ kind: 'app', app: key(e.data.app), cause, held: true });
    }
    if (!e.type.startsWith('Node') && wake.short) changes.push({ kind: 'nodes', apps: [], short: true, cause });
    for (const c of changes) for (const l of this.listeners) l(c);
  }

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.nodes} (node_id text PRIMARY KEY, ip text, tier text,
      registered boolean NOT NULL DEFAULT false, expired boolean NOT NULL DEFAULT false,
      benchmark_passed boolean NOT NULL DEFAULT false, up boolean NOT NULL DEFAULT false, location text,
      static_ip boolean NOT NULL DEFAULT false, datacenter boolean NOT NULL DEFAULT false, enterprise boolean NOT NULL DEFAULT false)`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.apps} (key text PRIMARY KEY, name text NOT NULL, hash text NOT NULL,
      runtime jsonb NOT NULL, expired boolean NOT NULL DEFAULT false)`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.placements} (app_key text NOT NULL, node_id text NOT NULL, app_name text NOT NULL,
      spec_hash text NOT NULL, scheduled_seq bigint NOT NULL, cpu int NOT NULL, ram int NOT NULL, hdd int NOT NULL, reason text,
      PRIMARY KEY (app_key, node_id))`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.placementRevisions} (app_key text PRIMARY KEY, app_name text NOT NULL, revision bigint NOT NULL)`);
    await em.query(`CREATE INDEX IF NOT EXISTS placements_node ON ${T.placements} (node_id)`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.instanceReports} (app_key text NOT NULL, node_id text NOT NULL, status text NOT NULL,
      spec_hash text, seq bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (app_key, node_id))`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.setbacks} (app_key text NOT NULL, node_id text NOT NULL, spec_hash text NOT NULL,
      seq bigint NOT NULL, PRIMARY KEY (app_key, node_id, spec_hash))`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.instanceRoutes} (app_key text NOT NULL, node_id text NOT NULL, spec_hash text NOT NULL,
      seq bigint NOT NULL, PRIMARY KEY (app_key, node_id))`);
    // In the runner's start transaction, after any drop: the memory is exactly the tables at the checkpoint.
    await this.load(em);
  }

  /** Loads the in-memory state from the tables (the runner then feeds it every event after the checkpoint). */
  private async load(em: EntityManager): Promise<void> {
    this.state.clear();
    this.pending.clear();
    const nodes: Array<{ node_id: string; ip: string | null; tier: Tier | null; registered: boolean; expired: boolean; benchmark_passed: boolean; up: boolean; location: string | null; static_ip: boolean; datacenter: boolean; enterprise: boolean }> =
      await em.query(`SELECT * FROM ${T.nodes} ORDER BY node_id`);
    for (const r of nodes) {
      this.state.loadNode({
        nodeId: r.node_id, ip: r.ip ?? '', tier: r.tier ?? 'CUMULUS', registered: r.registered && r.tier !== null && r.ip !== null,
        expired: r.expired, benchmarkPassed: r.benchmark_passed, up: r.up,
        ...(r.location ? { location: r.location } : {}), staticIp: r.static_ip, datacenter: r.datacenter, enterprise: r.enterprise,
      });
    }
    const apps: Array<{ key: string; name: string; hash: string; runtime: AppRuntime; expired: boolean }> = await em.query(`SELECT * FROM ${T.apps}`);
    for (const r of apps) this.state.loadApp(r.key, { name: r.name, hash: r.hash, runtime: r.runtime, expired: r.expired });
    const revs: Array<{ app_key: string; app_name: string; revision: string }> = await em.query(`SELECT * FROM ${T.placementRevisions}`);
    for (const r of revs) this.state.loadRevision(r.app_key, Number(r.revision));
    const placements: Array<{ app_key: string; node_id: string; app_name: string; spec_hash: string; scheduled_seq: string; cpu: number; ram: number; hdd: number; reason: string | null }> =
      await em.query(`SELECT * FROM ${T.placements}`);
    for (const r of placements) {
      this.state.loadPlacement(r.app_key, r.app_name, r.node_id, {
        specHash: r.spec_hash, scheduledSeq: Number(r.scheduled_seq), demand: { cpu: r.cpu, ram: r.ram, hdd: r.hdd }, ...(r.reason ? { reason: r.reason } : {}),
      });
    }
    const reports: Array<{ app_key: string; node_id: string; status: StatusReport['status']; spec_hash: string | null; seq: string }> = await em.query(`SELECT * FROM ${T.instanceReports}`);
    for (const r of reports) this.state.loadReport(r.app_key, { nodeId: r.node_id, status: r.status, specHash: r.spec_hash, seq: Number(r.seq) });
    const routes: Array<{ app_key: string; node_id: string; spec_hash: string; seq: string }> = await em.query(`SELECT * FROM ${T.instanceRoutes}`);
    for (const r of routes) this.state.loadRoute(r.app_key, r.node_id, { specHash: r.spec_hash, seq: Number(r.seq) });
    const setbacks: Array<{ app_key: string; node_id: string; spec_hash: string }> = await em.query(`SELECT * FROM ${T.setbacks}`);
    for (const r of setbacks) this.state.loadSetback(r.app_key, { nodeId: r.node_id, specHash: r.spec_hash });
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: ProjectionContext): Promise<void> {
    if (await this.applyEvent(e, em, ctx.seq)) this.pending.set(ctx.seq, e);
  }

  /**
   * A batch in one go where it matters: a run of consecutive InstanceScheduled (a burst of
   * decisions) or of NodeWentDown/NodeCameBack (a burst of silences) is written with one statement
   * per table instead of two per event. A run ends before an event that touches a row already in it
   * (a multi-row upsert may not touch a row twice) and before any other event, which is applied
   * alone: the effect is that of `apply` on each event in order.
   */
  async applyBatch(events: ReadonlyArray<{ event: DomainEvent; seq: number }>, em: EntityManager): Promise<void> {
    // Every node row the batch's node events touch exists first (one statement; a row of defaults
    // made earlier than its first event is the same row), so each of them is one UPDATE.
    const nodeIds = [...new Set(events.flatMap(({ event: e }) => (NODE_ROW_EVENTS.has(e.type) && 'nodeId' in e.data ? [e.data.nodeId as string] : [])))];
    if (nodeIds.length > 0) {
      await em.query(`INSERT INTO ${T.nodes} (node_id) SELECT unnest($1::text[]) ON CONFLICT (node_id) DO NOTHING`, [nodeIds]);
      this.ensured = new Set(nodeIds);
    }
    try {
      await this.applyRuns(events, em);
    } finally {
      this.ensured = undefined;
    }
  }

  private async applyRuns(events: ReadonlyArray<{ event: DomainEvent; seq: number }>, em: EntityManager): Promise<void> {
    let placements: Array<{ e: PlacementEvent; seq: number }> = [];
    let liveness: Array<{ nodeId: string; up: boolean }> = [];
    const inRun = new Set<string>();
    const flush = async () => {
      if (placements.length > 0) await this.writePlacements(em, placements);
      if (liveness.length > 0) await this.setUp(em, liveness);
      placements = [];
      liveness = [];
      inRun.clear();
    };
    for (const { event: e, seq } of events) {
      if (e.type === 'InstanceScheduled' || e.type === 'InstanceUnscheduled') {
        const row = `p:${key(e.data.app)}\n${e.data.nodeId}`;
        if (liveness.length > 0 || inRun.has(row)) await flush();
        inRun.add(row);
        placements.push({ e, seq });
        this.pending.set(seq, e);
      } else if (e.type === 'NodeWentDown' || e.type === 'NodeCameBack') {
        const row = `n:${e.data.nodeId}`;
        if (placements.length > 0 || inRun.has(row)) await flush();
        inRun.add(row);
        liveness.push({ nodeId: e.data.nodeId, up: e.type === 'NodeCameBack' });
        this.pending.set(seq, e);
      } else {
        await flush();
        await this.apply(e, em, { seq });
      }
    }
    await flush();
  }

  /**
   * InstanceScheduled / InstanceUnscheduled of distinct (app, node) rows (so their order within the
   * run does not matter), and each app's revision (its last event here).
   */
  private async writePlacements(em: EntityManager, run: ReadonlyArray<{ e: PlacementEvent; seq: number }>): Promise<void> {
    const cols: [string[], string[], string[], string[], number[], number[], number[], number[], Array<string | null>] = [[], [], [], [], [], [], [], [], []];
    const gone: [string[], string[]] = [[], []];
    const revisions = new Map<string, { name: string; seq: number }>();
    for (const { e, seq } of run) {
      revisions.set(key(e.data.app), { name: e.data.app, seq });
      if (e.type === 'InstanceUnscheduled') {
        gone[0].push(key(e.data.app));
        gone[1].push(e.data.nodeId);
        continue;
      }
      const d = demandOf(e.data.components);
      const row = [key(e.data.app), e.data.nodeId, e.data.app, e.data.specHash, seq, d.cpu, d.ram, d.hdd, e.data.reason ?? null] as const;
      row.forEach((v, i) => (cols[i] as unknown[]).push(v));
    }
    if (gone[0].length > 0) {
      await em.query(`DELETE FROM ${T.placements} p USING unnest($1::text[], $2::text[]) AS g(app_key, node_id)
        WHERE p.app_key = g.app_key AND p.node_id = g.node_id`, gone);
    }
    if (cols[0].length > 0) {
      await em.query(`INSERT INTO ${T.placements} (app_key, node_id, app_name, spec_hash, scheduled_seq, cpu, ram, hdd, reason)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::int[], $9::text[])
        ON CONFLICT (app_key, node_id) DO UPDATE SET app_name = EXCLUDED.app_name, spec_hash = EXCLUDED.spec_hash,
        scheduled_seq = EXCLUDED.scheduled_seq, cpu = EXCLUDED.cpu, ram = EXCLUDED.ram, hdd = EXCLUDED.hdd, reason = EXCLUDED.reason`, cols);
    }
    const keys = [...revisions.keys()];
    await em.query(`INSERT INTO ${T.placementRevisions} (app_key, app_name, revision)
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
      ON CONFLICT (app_key) DO UPDATE SET app_name = EXCLUDED.app_name, revision = EXCLUDED.revision`,
    [keys, keys.map((k) => revisions.get(k)!.name), keys.map((k) => revisions.get(k)!.seq)]);
  }

  /** NodeWentDown/NodeCameBack of distinct nodes (a row is created for a node not seen yet, as `apply` does). */
  private async setUp(em: EntityManager, run: ReadonlyArray<{ nodeId: string; up: boolean }>): Promise<void> {
    await em.query(`INSERT INTO ${T.nodes} (node_id, up) SELECT * FROM unnest($1::text[], $2::boolean[])
      ON CONFLICT (node_id) DO UPDATE SET up = EXCLUDED.up`, [run.map((r) => r.nodeId), run.map((r) => r.up)]);
  }

  /** Writes the event's rows; true when the event matters to the scheduler. */
  private async applyEvent(e: DomainEvent, em: EntityManager, seq: number): Promise<boolean> {
    const cause = true;
    // Node events may arrive in any order across subjects: make sure the row exists, then set fields.
    const node = async (id: string, set: string, values: unknown[]) => {
      if (!this.ensured?.has(id)) await em.query(`INSERT INTO ${T.nodes} (node_id) VALUES ($1) ON CONFLICT (node_id) DO NOTHING`, [id]);
      await em.query(`UPDATE ${T.nodes} SET ${set} WHERE node_id = $1`, [id, ...values]);
    };
    switch (e.type) {
      case 'NodeRegistered':
        await node(e.data.nodeId, 'ip = $2, tier = $3, registered = true, expired = false', [e.data.ip, e.data.tier]);
        return cause;
      case 'NodeExpired':
        await node(e.data.nodeId, 'expired = true', []);
        return cause;
      // A reverted registration: the node is not on chain; like an expiry, its placements must move.
      case 'NodeRegistrationReverted':
        await node(e.data.nodeId, 'registered = false, expired = true', []);
        return cause;
      case 'NodeExpiryReverted':
        await node(e.data.nodeId, 'ip = $2, tier = $3, registered = true, expired = false', [e.data.ip, e.data.tier]);
        return cause;
      case 'NodeBenchmarked': {
        const d = e.data;
        await node(d.nodeId, `benchmark_passed = $2, location = coalesce($3, location), static_ip = coalesce($4, static_ip),
          datacenter = coalesce($5, datacenter), enterprise = coalesce($6, enterprise)`,
          [d.passed, d.geolocation ? locationOf(d.geolocation) : null, d.staticIp ?? null, d.datacenter ?? null, d.enterprise ?? null]);
        return cause;
      }
      case 'NodeWentDown':
      case 'NodeCameBack':
        await node(e.data.nodeId, 'up = $2', [e.type === 'NodeCameBack']);
        return cause;
      case 'AppRegistered':
      case 'AppUpdated':
        await em.query(`INSERT INTO ${T.apps} (key, name, hash, runtime, expired) VALUES ($1,$2,$3,$4,false)
          ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, hash = EXCLUDED.hash, runtime = EXCLUDED.runtime, expired = false`,
          [key(e.data.name), e.data.name, e.data.hash, JSON.stringify(e.data.runtime)]);
        return cause;
      case 'AppExpired':
        await em.query(`UPDATE ${T.apps} SET expired = true WHERE key = $1`, [key(e.data.name)]);
        return cause;
      case 'AppExpiryReverted':
        await em.query(`UPDATE ${T.apps} SET expired = false WHERE key = $1 AND hash = $2`, [key(e.data.name), e.data.hash]);
        return cause;
      case 'AppRegistrationReverted': {
        // Back to the registration in force before; a first registration undone is treated as an
        // expired app, so the reconciler unschedules its placements.
        const r = e.data.restored;
        if (r) {
          await em.query(`UPDATE ${T.apps} SET name = $2, hash = $3, runtime = $4, expired = $5 WHERE key = $1`,
            [key(r.name), r.name, r.hash, JSON.stringify(r.runtime), !r.active]);
        } else {
          await em.query(`UPDATE ${T.apps} SET expired = true WHERE key = $1`, [key(e.data.name)]);
        }
        return cause;
      }
      case 'InstanceScheduled': {
        const d = demandOf(e.data.components);
        await em.query(`INSERT INTO ${T.placements} (app_key, node_id, app_name, spec_hash, scheduled_seq, cpu, ram, hdd, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
          ON CONFLICT (app_key, node_id) DO UPDATE SET app_name = EXCLUDED.app_name, spec_hash = EXCLUDED.spec_hash,
          scheduled_seq = EXCLUDED.scheduled_seq, cpu = EXCLUDED.cpu, ram = EXCLUDED.ram, hdd = EXCLUDED.hdd, reason = EXCLUDED.reason`,
          [key(e.data.app), e.data.nodeId, e.data.app, e.data.specHash, seq, d.cpu, d.ram, d.hdd, e.data.reason]);
        await this.revision(em, e.data.app, seq);
        return cause;
      }
      case 'InstanceUnscheduled':
        await em.query(`DELETE FROM ${T.placements} WHERE app_key = $1 AND node_id = $2`, [key(e.data.app), e.data.nodeId]);
        await this.revision(em, e.data.app, seq);
        return cause;
      case 'InstanceStarted':
        await this.report(em, e.data.app, e.data.nodeId, 'running', e.data.specHash, seq, e.time);
        return cause;
      case 'InstanceFailed':
        await this.report(em, e.data.app, e.data.nodeId, 'failed', e.data.specHash, seq, e.time);
        await em.query(`INSERT INTO ${T.setbacks} (app_key, node_id, spec_hash, seq) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
          [key(e.data.app), e.data.nodeId, e.data.specHash, seq]);
        return cause;
      case 'InstanceStopped':
        // A node agent stops an instance only to tear down an unschedule; a crashed container is
        // restarted, not reported stopped. So a stop is never a setback: it may even arrive after the
        // app was placed on that node again (node down, then back), and must not undo that placement.
        await this.report(em, e.data.app, e.data.nodeId, 'stopped', null, seq, e.time);
        return cause;
      // No table: the elector reads the master stream itself; a new term (maybe another elector's)
      // is a reason to look at the app's election again.
      case 'MasterElected':
        return cause;
      // Rolling updates go on once the new instance serves through HAProxy (rollout.ts).
      case 'InstanceRouted':
        await em.query(`INSERT INTO ${T.instanceRoutes} (app_key, node_id, spec_hash, seq) VALUES ($1,$2,$3,$4)
          ON CONFLICT (app_key, node_id) DO UPDATE SET spec_hash = EXCLUDED.spec_hash, seq = EXCLUDED.seq`, [key(e.data.app), e.data.nodeId, e.data.specHash, seq]);
        return cause;
      case 'InstanceDrained':
        await em.query(`DELETE FROM ${T.instanceRoutes} WHERE app_key = $1 AND node_id = $2 AND spec_hash = $3`, [key(e.data.app), e.data.nodeId, e.data.specHash]);
        return cause;
      default:
        return false;
    }
  }

  private async revision(em: EntityManager, app: string, seq: number): Promise<void> {
    await em.query(`INSERT INTO ${T.placementRevisions} (app_key, app_name, revision) VALUES ($1,$2,$3)
      ON CONFLICT (app_key) DO UPDATE SET app_name = EXCLUDED.app_name, revision = EXCLUDED.revision`, [key(app), app, seq]);
  }

  private async report(em: EntityManager, app: string, nodeId: string, status: string, specHash: string | null, seq: number, at: string) {
    await em.query(`INSERT INTO ${T.instanceReports} (app_key, node_id, status, spec_hash, seq, at) VALUES ($1,$2,$3,$4,$5,$6)
      ON CONFLICT (app_key, node_id) DO UPDATE SET status = EXCLUDED.status, spec_hash = EXCLUDED.spec_hash, seq = EXCLUDED.seq, at = EXCLUDED.at`,
      [key(app), nodeId, status, specHash, seq, at]);
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${T.nodes}, ${T.apps}, ${T.placements}, ${T.placementRevisions}, ${T.instanceReports}, ${T.setbacks}, ${T.instanceRoutes}`);
    this.pending.clear();
    this.state.clear();
  }

  async drop(em: EntityManager): Promise<void> {
    await em.query(`DROP TABLE IF EXISTS ${T.nodes}, ${T.apps}, ${T.placements}, ${T.placementRevisions}, ${T.instanceReports}, ${T.setbacks}, ${T.instanceRoutes}`);
    this.pending.clear();
    this.state.clear();
  }
}
