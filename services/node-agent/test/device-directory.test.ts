import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { SYNC_DEVICES_BUCKET } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { startNats, waitUntil, type TestNats } from '@fluxplane/testkit';
import { DeviceDirectory, deviceKey } from '../src/adapters/device-directory';

const dev = (c: string) => Array(8).fill(c.repeat(7)).join('-');

/** The KV device directory on a real NATS: durable, readable by a late joiner, garbage skipped. */
describe('DeviceDirectory (JetStream KV)', () => {
  let nats: TestNats;
  let a: EventStore;
  let b: EventStore;
  beforeAll(async () => {
    nats = await startNats();
    a = await EventStore.connect({ servers: nats.url });
    b = await EventStore.connect({ servers: nats.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
  });

  it('a node that joins later reads every published device, and sees updates', async () => {
    const first = new DeviceDirectory(a);
    await first.publish({ nodeId: 'txid:0', deviceId: dev('A'), address: 'tcp://127.1.0.1:16129', at: new Date().toISOString() });
    // Garbage in the bucket (another writer, an old version) is skipped, not trusted.
    const kv = await new Kvm(a.nc).open(SYNC_DEVICES_BUCKET);
    await kv.put('junk', '{"nodeId":"junk"}');

    const late = new DeviceDirectory(b);
    const { devices, invalid } = await late.all();
    expect(devices.get('txid:0')).toMatchObject({ deviceId: dev('A'), address: 'tcp://127.1.0.1:16129' });
    expect(invalid).toEqual(['junk']);
    expect(deviceKey('txid:0')).toBe('txid=3a0');

    let changes = 0;
    await late.watch(() => changes++);
    await first.publish({ nodeId: 'txid:0', deviceId: dev('B'), address: 'tcp://127.1.0.1:16129', at: new Date().toISOString() });
    await waitUntil(async () => changes > 0, { timeoutMs: 5000, what: 'a change notification' });
    expect((await late.all()).devices.get('txid:0')?.deviceId).toBe(dev('B'));
    late.stop();
  });

  it('refuses to publish a record that is not one', async () => {
    await expect(new DeviceDirectory(a).publish({ nodeId: 'n', deviceId: 'nope', address: 'tcp://x:1', at: new Date().toISOString() })).rejects.toThrow(/Syncthing device id/);
  });
});
