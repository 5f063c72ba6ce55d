import type { DataSource } from 'typeorm';
import { EventStore } from '@fluxplane/eventstore';
import { startNats, TestNats } from './nats';
import { createTestDatabase, TestDatabase } from './postgres';

/** Anything a test starts on top of the fixture and must stop before it: a service, a server. */
export interface Closable {
  close(): unknown;
}

/** A private NATS server with a client of its event store: what every integration test starts from. */
export interface EventStoreFixture {
  nats: TestNats;
  store: EventStore;
  /** Closes `thing` at `close()`, before the infrastructure (the last one owned is closed first). */
  own<T extends Closable>(thing: T): T;
  /** Runs `stop` at `close()`, like `own`: for what is restarted or started later in the file. */
  onClose(stop: () => unknown): void;
  /**
   * Closes what the test owned, then the store, drops the database and stops NATS. Every step runs
   * even when one before it failed (a failed service must not leave a nats-server behind); the first
   * failure is thrown at the end.
   */
  close(): Promise<void>;
}

/** The fixture with a throwaway database, and a DataSource on it for the test's own queries. */
export interface EventStoreWithDatabaseFixture extends EventStoreFixture {
  db: TestDatabase;
  ds: DataSource;
}

/**
 * Starts a private NATS and connects an EventStore; with `database` (the name prefix), also creates
 * a throwaway database and opens a DataSource on it. One `close()` undoes all of it, in reverse.
 */
export async function eventStoreFixture(): Promise<EventStoreFixture>;
export async function eventStoreFixture(o: { database: string }): Promise<EventStoreWithDatabaseFixture>;
export async function eventStoreFixture(o: { database?: string } = {}): Promise<EventStoreFixture | EventStoreWithDatabaseFixture> {
  const stops: Array<() => unknown> = [];
  const close = async () => {
    let failure: unknown;
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  };
  try {
    const nats = await startNats();
    stops.push(() => nats.stop());
    const db = o.database === undefined ? undefined : await createTestDatabase(o.database);
    if (db) stops.push(() => db.drop()); // also destroys the DataSources it opened
    const store = await EventStore.connect({ servers: nats.url });
    stops.push(() => store.close());
    const fixture: EventStoreFixture = {
      nats,
      store,
      own(thing) {
        stops.push(() => thing.close());
        return thing;
      },
      onClose(stop) {
        stops.push(stop);
      },
      close,
    };
    return db ? { ...fixture, db, ds: await db.dataSource() } : fixture;
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
