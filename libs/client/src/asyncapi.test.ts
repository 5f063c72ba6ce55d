import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { runtimeView } from '@fluxplane/flux-spec';
import { EventDefinitions, makeEvent, Subjects, type EventType } from '@fluxplane/contracts';
import { asyncApiDocument, EventChannelOf, EventChannels } from './asyncapi';

type Ref = { $ref: string };
type Doc = {
  asyncapi: string;
  info: { title: string; version: string };
  servers: Record<string, { host: string; protocol: string }>;
  channels: Record<string, { address: string; parameters?: Record<string, unknown>; messages: Record<string, Ref> }>;
  operations: Record<string, { action: string; channel: Ref; messages: Ref[] }>;
  components: { messages: Record<string, { name: string; contentType: string; payload: { type: string; required: string[]; properties: Record<string, { const?: unknown; type?: string; properties?: object }> } }> };
};

/** Follows a local `#/a/b/c` reference in the document. */
function resolve(doc: unknown, ref: Ref): unknown {
  expect(ref.$ref).toMatch(/^#\//);
  return ref.$ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

/**
 * The AsyncAPI document checked for what AsyncAPI 3.0 requires of it (version, info, channels with
 * addresses and their parameters, operations with an action and resolvable references) and for
 * what it is for: every event type of the contracts, with its subject, version and data schema.
 */
describe('AsyncAPI document of the events', () => {
  const doc = JSON.parse(JSON.stringify(asyncApiDocument())) as Doc; // as served: plain JSON

  it('has the required top-level fields of AsyncAPI 3.0', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    for (const s of Object.values(doc.servers)) expect(s).toMatchObject({ host: expect.any(String), protocol: 'nats' });
  });

  it('declares every parameter of each channel address, and resolves every reference', () => {
    for (const [id, ch] of Object.entries(doc.channels)) {
      const inAddress = [...ch.address.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      expect(Object.keys(ch.parameters ?? {}).sort(), id).toEqual(inAddress);
      expect(Object.keys(ch.parameters ?? {}).every((p) => /^[A-Za-z0-9_-]+$/.test(p))).toBe(true);
      for (const [key, ref] of Object.entries(ch.messages)) expect(resolve(doc, ref), `${id}.${key}`).toBeDefined();
    }
    for (const [id, op] of Object.entries(doc.operations)) {
      expect(['send', 'receive']).toContain(op.action);
      const channel = resolve(doc, op.channel) as Doc['channels'][string];
      expect(channel, id).toBeDefined();
      // an operation's messages must be messages of its channel
      for (const m of op.messages) {
        expect(m.$ref.startsWith(`${op.channel.$ref}/messages/`), `${id}: ${m.$ref}`).toBe(true);
        expect(resolve(doc, m)).toBeDefined();
      }
    }
  });

  it('holds every registered event type, with its subject pattern, version and data schema', () => {
    const types = Object.keys(EventDefinitions) as EventType[];
    expect(Object.keys(doc.components.messages).sort()).toEqual([...types].sort());
    for (const type of types) {
      const msg = doc.components.messages[type]!;
      expect(msg.contentType).toBe('application/json');
      expect(msg.payload.type).toBe('object');
      expect(msg.payload.required).toEqual(expect.arrayContaining(['id', 'type', 'schemaVersion', 'subject', 'time', 'data']));
      expect(msg.payload.properties.type!.const).toBe(type);
      expect(msg.payload.properties.schemaVersion!.const).toBe(EventDefinitions[type].schemaVersion);
      expect(msg.payload.properties.data!.type, type).toBe('object');
      expect(JSON.stringify(msg.payload)).not.toContain('"$schema"');
      // exactly one channel carries it, and an operation receives it there
      const channels = Object.entries(doc.channels).filter(([, ch]) => type in ch.messages).map(([id]) => id);
      expect(channels, type).toEqual([EventChannelOf[type]]);
      expect(Object.values(doc.operations).some((op) => op.messages.some((m) => m.$ref === `#/channels/${channels[0]}/messages/${type}`))).toBe(true);
    }
  });

  it('names the subjects the contracts build', () => {
    const matches = (address: string, subject: string) => new RegExp(`^${address.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^.]+')}$`).test(subject);
    expect(matches(EventChannels.app.address, Subjects.app('Demo'))).toBe(true);
    expect(matches(EventChannels.instance.address, Subjects.instance('demo', '1.2.3.4:16127'))).toBe(true);
    expect(matches(EventChannels.node.address, Subjects.node('n1'))).toBe(true);
    expect(matches(EventChannels.placement.address, Subjects.placement('demo'))).toBe(true);
    expect(matches(EventChannels.master.address, Subjects.master('demo'))).toBe(true);
    expect(matches(EventChannels.certificate.address, Subjects.certificate('a.b'))).toBe(true);
    expect(matches(EventChannels.routing.address, Subjects.routing('a.b'))).toBe(true);
    expect(matches(EventChannels.dns.address, Subjects.dns('a.b'))).toBe(true);
    expect(EventChannels.chain.address).toBe(Subjects.chain());
    expect(EventChannels.registry.address).toBe(Subjects.registry());
  });

  it('its payload schemas (JSON Schema draft-07) accept real events and reject what parseEvent rejects', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const H = 'c'.repeat(64);
    const spec = { name: 'demo', instances: 3 };
    const samples = [
      makeEvent('AppRegistered', Subjects.app('demo'), { name: 'demo', hash: H, owner: 'o', spec, runtime: runtimeView(spec), txid: 't', height: 1, expireBlocks: 22000, expiresAtHeight: 22001, timestamp: 1, signature: 's', amountSat: 1 }, { causationId: 'c' }),
      makeEvent('InstanceStarted', Subjects.instance('demo', 'n1'), { app: 'demo', nodeId: 'n1', ip: '127.0.0.1', specHash: H, ports: [80], containers: [{ component: 'web', id: 'x' }] }),
      makeEvent('NodeWentDown', Subjects.node('n1'), { nodeId: 'n1', lastSeen: new Date(0).toISOString() }),
      makeEvent('NodeRegistered', Subjects.chain(), { nodeId: 'n1', ip: '127.0.0.1', tier: 'CUMULUS', collateralSat: 1, txid: 't', height: 1 }),
    ];
    for (const event of JSON.parse(JSON.stringify(samples)) as Array<{ type: EventType; data: Record<string, unknown> }>) {
      const validate = ajv.compile(doc.components.messages[event.type]!.payload);
      expect(validate(event) ? [] : validate.errors, event.type).toEqual([]);
      expect(validate({ ...event, type: 'Other' }), `${event.type} with another type`).toBe(false);
      expect(validate({ ...event, data: { ...event.data, extra: 1, nodeId: 7, name: 7 } }), `${event.type} with a wrong field`).toBe(false);
    }
  });
});
