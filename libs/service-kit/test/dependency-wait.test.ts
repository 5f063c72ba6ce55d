import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore, EventStoreError, permanentBusError } from '@fluxplane/eventstore';
import { startNats, type TestNats } from '@fluxplane/testkit';
import { permanentDatabaseError, redactedUrl, waitForDependency } from '../src';

/** A logger that keeps what was said. */
function recorder() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  return {
    lines,
    warn: (obj: Record<string, unknown>, msg: string) => { lines.push({ level: 'warn', msg, obj }); },
    info: (obj: Record<string, unknown>, msg: string) => { lines.push({ level: 'info', msg, obj }); },
  };
}

describe('waitForDependency: a service started before its bus waits for it', () => {
  let nats: TestNats;

  beforeAll(async () => { nats = await startNats(); });
  afterAll(async () => { await nats?.stop(); });

  it('connects to a NATS server that comes up after the service started, saying what it waits for', async () => {
    await nats.kill();
    const log = recorder();
    const opening = waitForDependency(() => EventStore.connect({ servers: nats.url, stream: 'FP_DEP_WAIT', subjects: ['depwait.>'] }),
      { what: `the bus (${nats.url})`, timeoutMs: 30_000, logger: log, permanent: permanentBusError, maxDelayMs: 500 });
    await new Promise((r) => setTimeout(r, 1500));
    await nats.restart();
    const store = await opening;
    try {
      expect((await store.jsm.streams.info('FP_DEP_WAIT')).config.name).toBe('FP_DEP_WAIT');
    } finally {
      await store.close();
    }
    const warned = log.lines.filter((l) => l.level === 'warn');
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(warned[0]!.msg).toBe(`waiting for the bus (${nats.url})`);
    expect(log.lines.at(-1)).toMatchObject({ level: 'info', msg: `the bus (${nats.url}) is ready` });
  });

  it('gives up after its wait, naming the dependency and its last error', async () => {
    await nats.kill();
    try {
      const started = Date.now();
      await expect(waitForDependency(() => EventStore.connect({ servers: nats.url, stream: 'FP_DEP_WAIT', subjects: ['depwait.>'] }),
        { what: 'the bus', timeoutMs: 1200, permanent: permanentBusError })).rejects.toThrow(/^the bus not ready after \d+ s \(\d+ tries\): .+/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await nats.restart();
    }
  });

  it('does not wait on what waiting cannot cure: the stream refused as it is', async () => {
    let tries = 0;
    await expect(waitForDependency(async () => { tries++; throw new EventStoreError('stream X exists with memory storage'); },
      { what: 'the bus', timeoutMs: 10_000, permanent: permanentBusError })).rejects.toThrow(/memory storage/);
    expect(tries).toBe(1);
  });

  it('tells permanent errors from passing ones', () => {
    expect(permanentBusError(new Error("'Authorization Violation'"))).toBe(true);
    expect(permanentBusError(new Error('CONNECTION_REFUSED'))).toBe(false);
    expect(permanentBusError(new Error('no suitable peers for placement'))).toBe(false);
    expect(permanentDatabaseError(Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' }))).toBe(true);
    expect(permanentDatabaseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(permanentDatabaseError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(false);
    expect(redactedUrl('postgres://fp:s3cret@db:5432/fluxplane')).toBe('postgres://fp:***@db:5432/fluxplane');
    expect(redactedUrl('postgres://postgres@127.0.0.1:5432/fluxplane')).toBe('postgres://postgres@127.0.0.1:5432/fluxplane');
  });
});
