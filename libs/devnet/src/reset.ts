import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { removeNodeData } from './node-data';

/**
 * Wipes a devnet's state so the next `up` starts from genesis: the event stream, every service
 * schema of the database, the devchain's block log, the containers the agents started and their
 * app data volumes. The
 * infrastructure itself (NATS, PostgreSQL, Docker, HAProxy) keeps running.
 */
/** The Postgres schemas of the services (node agents have one each, `node_agent_<node>`). */
const SERVICE_SCHEMAS = ['app_registry', 'bench', 'chain_indexer', 'domain_manager', 'scheduler', 'stats'];

export async function wipeDevnetState(o: { natsUrl: string; databaseUrl: string; stream: string; devchainFile: string; nodesDir: string }): Promise<string[]> {
  const done: string[] = [];
  const nc = await connect({ servers: o.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(o.stream).then(() => done.push(`deleted stream ${o.stream}`), () => done.push(`no stream ${o.stream}`));
  } finally {
    await nc.close();
  }
  const db = new Client({ connectionString: o.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ nspname: string }>(
      // Only fluxplane's own schemas: the database may hold other things.
      `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) OR nspname LIKE 'node\\_agent\\_%'`, [SERVICE_SCHEMAS]);
    for (const r of rows) await db.query(`DROP SCHEMA "${r.nspname}" CASCADE`);
    done.push(`dropped schemas: ${rows.map((r) => r.nspname).join(', ') || 'none'}`);
  } finally {
    await db.end();
  }
  rmSync(o.devchainFile, { force: true });
  done.push('removed the devchain block log');
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', 'label=fluxplane.app']).toString().split(/\s+/).filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  done.push(`removed ${ids.length} app containers`);
  // After the containers: nothing holds the volumes any more.
  done.push(`removed the nodes' app data (${removeNodeData(o.nodesDir)} volumes unmounted)`);
  return done;
}
