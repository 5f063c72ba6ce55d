import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { removeAppContainers, startNetwork as startLocalNetwork, type Network, type NetworkOptions as LocalNetworkOptions } from '@fluxplane/devnet';

export { removeAppContainers, requireDocker, type Network } from '@fluxplane/devnet';

export const ROOT = resolve(__dirname, '../..');

export type NetworkOptions = Omit<LocalNetworkOptions, 'root'>;

/**
 * A whole fluxplane network for one test file, on real parts (libs/devnet `startNetwork`): a private
 * NATS and database, a private HAProxy, a devchain, every service as its own process, node agents on
 * their own loopback addresses with their own Syncthing.
 */
export function startNetwork(o: NetworkOptions): Promise<Network> {
  return startLocalNetwork({ root: ROOT, ...o });
}

/**
 * The network of a test file: started before its tests, stopped after them, and then the containers
 * of `app` (one name or several) removed. The returned object is filled in when the network is up (in `beforeAll`), like a
 * `let` the file would assign there.
 */
export function networkForFile(o: NetworkOptions & { app: string | string[] }): Network {
  const net = {} as Network;
  let started: Network | undefined;
  beforeAll(async () => {
    started = await startNetwork(o);
    Object.assign(net, started);
  }, 180_000);
  afterAll(async () => {
    // Agents first: a running agent would start the instance again right after its removal.
    await started?.stop();
    for (const app of [o.app].flat()) removeAppContainers(app);
  }, 60_000);
  return net;
}

/**
 * `networkForFile` plus an event store client on the network's NATS, handed to `ready` once both are
 * up (files keep them in their own `let`s); the client is closed before the network stops.
 */
export function networkWithStoreForFile(o: NetworkOptions & { app: string | string[] }, ready: (net: Network, store: EventStore) => void): void {
  let started: Network | undefined;
  let store: EventStore | undefined;
  beforeAll(async () => {
    started = await startNetwork(o);
    store = await EventStore.connect({ servers: started.nats.url });
    ready(started, store);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    // Agents first: a running agent would start the instance again right after its removal.
    await started?.stop();
    for (const app of [o.app].flat()) removeAppContainers(app);
  }, 60_000);
}

/** The terms a `g:` app's masters were elected for, oldest first (its `MasterElected` events). */
export async function readMasterTerms(store: EventStore, app: string) {
  return (await store.readStream(Subjects.master(app))).events.map((e) => e.event)
    .flatMap((e) => (e.type === 'MasterElected' ? [e.data] : []));
}
