import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { eventStoreFixture, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import { ANY, ProjectionRunner, type Projection } from '@fluxplane/eventstore';

/**
 * The runner applies a batch of events in one transaction. A process killed (SIGKILL) in the middle
 * of a batch — inside its open transaction, or after its commit and before its acks — loses nothing
 * and applies nothing twice: a runner started after it ends with one ledger row per event.
 */
describe('projection runner batches survive a kill mid-batch', () => {
  const script = join(__dirname, 'fixtures/batch-runner.cjs');
  let fx: EventStoreWithDatabaseFixture;
  const children: ChildProcess[] = [];
  let appended = 0;

  const append = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const name = `batch${appended % 5}`;
      await fx.store.append(Subjects.app(name), [makeEvent('AppExpired', Subjects.app(name), { name, hash: 'b'.repeat(64), height: appended })], ANY);
      appended++;
    }
  };
  const ledger = async () => (await fx.ds.query('SELECT seq::int AS seq FROM batch_test.ledger ORDER BY seq') as Array<{ seq: number }>).map((r) => r.seq);
  const checkpoint = async () => Number((await fx.ds.query("SELECT position FROM batch_test.projection_checkpoints WHERE name = 'ledger'") as Array<{ position: string }>)[0]?.position ?? 0);

  /** Starts the runner in a child that freezes at `crashSeq` (`where`); resolves with what it said then. */
  const runUntilFrozen = async (crashSeq: number, where: 'apply' | 'commit') => {
    const child = spawn(process.execPath, [script, fx.nats.url, fx.db.url, fx.store.stream, String(crashSeq), where, '64'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`batch runner exited: ${out}`);
      return /frozen (\{.*\})/.test(out);
    }, { timeoutMs: 30_000, what: `the runner frozen at ${where}` });
    const said = JSON.parse(/frozen (\{.*\})/.exec(out)![1]!) as { seq: number; inTx?: number };
    child.kill('SIGKILL');
    await new Promise<void>((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.once('exit', () => resolve()); });
    return said;
  };

  /** A runner in this process, from the checkpoint to the end of the stream, applying into the same ledger. */
  const finishInProcess = async () => {
    const projection: Projection = {
      name: 'ledger',
      subjects: ['evt.app.>'],
      async apply(event, em, ctx) { await em.query('INSERT INTO batch_test.ledger (seq, event_id) VALUES ($1, $2)', [ctx.seq, event.id]); },
      async reset(em) { await em.query('DELETE FROM batch_test.ledger'); },
    };
    const runner = new ProjectionRunner(fx.store, fx.ds, projection, { schema: 'batch_test', maxBatch: 64 });
    await runner.start();
    await runner.catchUp(60_000);
    await runner.stop();
  };

  beforeAll(async () => {
    if (!existsSync(join(__dirname, '../dist/index.js'))) throw new Error('libs/eventstore/dist missing: run `npm run build` first (the child runs the built library)');
    fx = await eventStoreFixture({ database: 'batchcrash' });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fx?.close();
  });

  it('killed inside a batch\'s transaction: none of the batch committed, all of it applied once after restart', async () => {
    await append(300);
    const frozen = await runUntilFrozen(150, 'apply');
    // It froze with part of a batch applied in its open transaction: those rows must not survive the kill.
    expect(frozen.inTx).toBeGreaterThan(0);
    const survived = await ledger();
    expect(survived.every((s) => s < frozen.seq - frozen.inTx!)).toBe(true);
    expect(await checkpoint()).toBe(survived.at(-1) ?? 0);

    await finishInProcess();
    const seqs = await ledger();
    const last = await fx.store.lastSequence();
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(await checkpoint()).toBe(last);
  }, 120_000);

  it('killed after a batch committed and before its acks: the redelivered batch is not applied again', async () => {
    const from = await fx.store.lastSequence();
    await append(300);
    const frozen = await runUntilFrozen(from + 150, 'commit');
    const committed = await ledger();
    // The batch holding the frozen event is committed (rows and checkpoint), none of it acked.
    expect(committed).toContain(frozen.seq);
    expect(await checkpoint()).toBe(committed.at(-1));

    await finishInProcess();
    const seqs = await ledger();
    const last = await fx.store.lastSequence();
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(await fx.ds.query('SELECT count(*)::int AS n FROM batch_test.parked_events')).toEqual([{ n: 0 }]);
  }, 120_000);
});
