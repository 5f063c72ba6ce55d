import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect as tcpConnect, Server, Socket } from 'node:net';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainEvent, makeEvent, Subjects } from '@fluxplane/contracts';
import { EventStore, Projection, ProjectionRunner } from '@fluxplane/eventstore';
import { createTestDatabase, startNats, TestDatabase, TestNats, waitUntil } from '@fluxplane/testkit';

/**
 * A TCP proxy in front of NATS that can cut the connection in the middle of a burst of deliveries:
 * after the cut is armed, it forwards only `bytes` more bytes from the server, then drops both sides.
 * The messages the server wrote after that are lost in transit, while the server counts them as
 * delivered — exactly what a network failure does.
 */
class CuttingProxy {
  private server?: Server;
  private pairs: Array<[Socket, Socket]> = [];
  private budget = Infinity;
  port = 0;

  async start(targetPort: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(targetPort, '127.0.0.1');
      this.pairs.push([client, upstream]);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d: Buffer) => {
        if (this.budget === Infinity) { client.write(d); return; }
        client.write(d.subarray(0, Math.max(0, this.budget)));
        this.budget -= d.length;
        if (this.budget <= 0) this.cutAll();
      });
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on('error', close); upstream.on('error', close); client.on('close', close); upstream.on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as { port: number }).port;
  }

  /** Cut every connection once `bytes` more bytes have come from the server. */
  armCut(bytes: number): void {
    this.budget = bytes;
  }

  private cutAll(): void {
    this.budget = Infinity;
    for (const [a, b] of this.pairs.splice(0)) { a.destroy(); b.destroy(); }
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

class SlowCounting implements Projection {
  readonly name = 'lost';
  readonly subjects = ['evt.node.>'];
  async setup(em: EntityManager) {
    await em.query(`CREATE TABLE IF NOT EXISTS lost_log (seq bigint, eps int)`);
  }
  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }) {
    if (e.type !== 'NodeBenchmarked') return;
    await new Promise((r) => setTimeout(r, 2));
    await em.query(`INSERT INTO lost_log (seq, eps) VALUES ($1, $2)`, [ctx.seq, e.data.eps]);
  }
  async reset(em: EntityManager) {
    await em.query(`DELETE FROM lost_log`);
  }
}

describe('projection runner and deliveries lost in transit', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let ds: DataSource;
  const proxy = new CuttingProxy();

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('lost');
    ds = await db.dataSource();
    await proxy.start(nats.port);
  });
  afterAll(async () => {
    await proxy.stop();
    await db?.drop();
    await nats?.stop();
  });

  it('applies every event once, in order, when the connection drops in the middle of a delivery burst', async () => {
    const writer = await EventStore.connect({ servers: nats.url });
    const seqs: number[] = [];
    for (let i = 0; i < 600; i++) {
      const r = await writer.append(Subjects.node('n'), [makeEvent('NodeBenchmarked', Subjects.node('n'), {
        nodeId: 'n', passed: true, tier: 'CUMULUS', cores: 2, ramMb: 1, eps: i, diskWriteMbps: 1, benchVersion: 't',
      })], 'any');
      seqs.push(r.revision);
    }
    const reader = await EventStore.connect({ servers: `nats://127.0.0.1:${proxy.port}` });
    const runner = new ProjectionRunner(reader, ds, new SlowCounting(), { schema: 'lost_test', batchSize: 64, ackWaitMs: 60_000 });
    await runner.start();
    // Let it get going, then cut the connection part-way through the next burst of deliveries.
    await waitUntil(async () => (await ds.query(`SELECT count(*)::int AS n FROM lost_log`))[0].n >= 20, { what: 'first events applied' });
    proxy.armCut(3000);
    await waitUntil(async () => (await ds.query(`SELECT count(*)::int AS n FROM lost_log`))[0].n >= 600, { timeoutMs: 45_000, what: 'all 600 events applied' });
    const rows: Array<{ seq: string; eps: number }> = await ds.query(`SELECT seq, eps FROM lost_log ORDER BY seq`);
    expect(rows.map((r) => r.eps)).toEqual([...Array(600).keys()]);
    expect(rows.map((r) => Number(r.seq))).toEqual(seqs);
    await runner.stop();
    await reader.close();
    await writer.close();
  }, 60_000);
});
