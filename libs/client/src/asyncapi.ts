import { z } from 'zod';
import { EnvelopeSchema, EVENT_STREAM, EventDefinitions, type EventType } from '@fluxplane/contracts';

/** The aggregate subjects of the event stream (`Subjects` in the contracts), as AsyncAPI channels. */
export const EventChannels = {
  chain: { address: 'evt.chain', parameters: {}, description: 'Chain facts in block order (chain-indexer), one ordered aggregate.' },
  app: { address: 'evt.app.{app}', parameters: { app: 'app name, lowercased, as a subject token' }, description: 'One registered app: its messages, registration, updates, expiry (app-registry).' },
  registry: { address: 'evt.registry', parameters: {}, description: "app-registry's bookkeeping about no single app." },
  node: { address: 'evt.node.{nodeId}', parameters: { nodeId: 'node id (`ip:port`), as a subject token' }, description: 'One node: benchmarks (bench), liveness (scheduler).' },
  placement: { address: 'evt.placement.{app}', parameters: { app: 'app name, lowercased, as a subject token' }, description: "An app's placements (scheduler)." },
  instance: { address: 'evt.instance.{app}.{nodeId}', parameters: { app: 'app name, lowercased, as a subject token', nodeId: 'node id, as a subject token' }, description: 'One instance of an app on a node (node-agent).' },
  route: { address: 'evt.route.{app}', parameters: { app: 'the app name, lowercased, as a subject token' }, description: 'Whether HAProxy serves each instance of the app (domain-manager): InstanceRouted, InstanceDrained.' },
  routing: { address: 'evt.routing.{domain}', parameters: { domain: 'the apps domain, as a subject token' }, description: 'What HAProxy routes (domain-manager).' },
  certificate: { address: 'evt.certificate.{name}', parameters: { name: 'DNS name, lowercased, as a subject token' }, description: 'Certificates of one DNS name (domain-manager).' },
  master: { address: 'evt.master.{app}', parameters: { app: 'app name, lowercased, as a subject token' }, description: "The masters of an app's g: components, term after term." },
  dns: { address: 'evt.dns.{domain}', parameters: { domain: 'the apps domain, as a subject token' }, description: 'What the DNS provider answers for the domain (domain-manager).' },
} as const;
export type EventChannel = keyof typeof EventChannels;

/** The subject each event type is stored on. A new event type does not compile until it is placed here. */
export const EventChannelOf: Readonly<Record<EventType, EventChannel>> = {
  BlockIndexed: 'chain',
  NodeRegistered: 'chain',
  NodeExpired: 'chain',
  AppPaymentConfirmed: 'chain',
  PriceScheduleChanged: 'chain',
  ChainReorganized: 'chain',
  NodeRegistrationReverted: 'chain',
  NodeExpiryReverted: 'chain',
  AppPaymentReverted: 'chain',
  PriceScheduleChangeReverted: 'chain',
  BlockReverted: 'chain',
  NodeBenchmarked: 'node',
  NodeWentDown: 'node',
  NodeCameBack: 'node',
  AppMessageAccepted: 'app',
  AppRegistered: 'app',
  AppUpdated: 'app',
  AppExpired: 'app',
  AppRegistrationReverted: 'app',
  AppExpiryReverted: 'app',
  AppRollbacksHandled: 'registry',
  InstanceScheduled: 'placement',
  InstanceUnscheduled: 'placement',
  InstanceStarted: 'instance',
  InstanceFailed: 'instance',
  InstanceStopped: 'instance',
  CertificateIssued: 'certificate',
  RoutesApplied: 'routing',
  InstanceRouted: 'route',
  InstanceDrained: 'route',
  DnsRecordsApplied: 'dns',
  MasterElected: 'master',
};

type JsonSchema = Record<string, unknown>;
const ref = (path: string) => ({ $ref: path });

/** A zod schema as JSON Schema draft-07 (the AsyncAPI schema format's base), without its `$schema` line. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any', io: 'output' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** The envelope of one event type: its `type` and `schemaVersion` fixed, its `data` from the type's schema. */
function envelopeSchema(type: EventType): JsonSchema {
  const def = EventDefinitions[type];
  const env = jsonSchemaOf(EnvelopeSchema) as JsonSchema & { properties: Record<string, JsonSchema> };
  return {
    ...env,
    required: [...new Set([...((env.required as string[] | undefined) ?? []), 'data'])],
    properties: {
      ...env.properties,
      type: { type: 'string', const: type },
      schemaVersion: { type: 'integer', const: def.schemaVersion, description: 'consumers see this version: older events are upcast when read' },
      data: jsonSchemaOf(def.schema),
    },
  };
}

export interface AsyncApiOptions {
  /** `host:port` of a NATS server to list under `servers` (default `127.0.0.1:4222`, the devnet's). */
  natsHost?: string;
  version?: string;
}

/**
 * The AsyncAPI 3.0 document of fluxplane's events, generated from the contracts: one channel per
 * aggregate subject pattern, one message per event type (its envelope, schema version and data's
 * JSON Schema), one `receive` operation per channel.
 */
export function asyncApiDocument(opts: AsyncApiOptions = {}): Record<string, unknown> {
  const types = Object.keys(EventDefinitions) as EventType[];
  const messages: Record<string, unknown> = {};
  for (const type of types) {
    messages[type] = {
      name: type,
      title: type,
      summary: `${type} v${EventDefinitions[type].schemaVersion} on ${EventChannels[EventChannelOf[type]].address}`,
      contentType: 'application/json',
      headers: { type: 'object', properties: { 'Fp-Event-Type': { type: 'string', const: type }, 'Nats-Msg-Id': { type: 'string', description: 'the event id (JetStream de-duplication)' } } },
      payload: envelopeSchema(type),
      'x-schema-version': EventDefinitions[type].schemaVersion,
    };
  }
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const [key, ch] of Object.entries(EventChannels) as Array<[EventChannel, (typeof EventChannels)[EventChannel]]>) {
    const own = types.filter((t) => EventChannelOf[t] === key);
    channels[key] = {
      address: ch.address,
      title: ch.address,
      description: ch.description,
      ...(Object.keys(ch.parameters).length > 0
        ? { parameters: Object.fromEntries(Object.entries(ch.parameters).map(([p, description]) => [p, { description }])) }
        : {}),
      messages: Object.fromEntries(own.map((t) => [t, ref(`#/components/messages/${t}`)])),
    };
    operations[`receive_${key}`] = {
      action: 'receive',
      title: `Receive the events of ${ch.address}`,
      summary: `JetStream stream ${EVENT_STREAM}, subject ${ch.address.replace(/\{[^}]+\}/g, '*')}`,
      channel: ref(`#/channels/${key}`),
      messages: own.map((t) => ref(`#/channels/${key}/messages/${t}`)),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'fluxplane events',
      version: opts.version ?? '0.1.0',
      description: `Every event of the control plane, stored on the JetStream stream ${EVENT_STREAM} (subjects \`evt.>\`), one subject per aggregate. Each message is a JSON envelope {id, type, schemaVersion, subject, time, causationId?, correlationId?, data}. Read them with @fluxplane/client.`,
    },
    servers: {
      nats: { host: opts.natsHost ?? '127.0.0.1:4222', protocol: 'nats', description: 'the bus (devnet default)' },
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}
