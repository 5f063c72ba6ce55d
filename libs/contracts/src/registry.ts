import { z } from 'zod';
import { EnvelopeSchema, EventEnvelope, EventMeta, newEventId } from './envelope';
import * as E from './events';
import { isSealed, type EventDefinition } from './define-event';

/** Every event type known to this version of the contracts. */
export const EventDefinitions = {
  BlockIndexed: E.BlockIndexed,
  NodeRegistered: E.NodeRegistered,
  NodeExpired: E.NodeExpired,
  AppPaymentConfirmed: E.AppPaymentConfirmed,
  PriceScheduleChanged: E.PriceScheduleChanged,
  ChainReorganized: E.ChainReorganized,
  NodeRegistrationReverted: E.NodeRegistrationReverted,
  NodeExpiryReverted: E.NodeExpiryReverted,
  AppPaymentReverted: E.AppPaymentReverted,
  PriceScheduleChangeReverted: E.PriceScheduleChangeReverted,
  BlockReverted: E.BlockReverted,
  NodeBenchmarked: E.NodeBenchmarked,
  NodeWentDown: E.NodeWentDown,
  NodeCameBack: E.NodeCameBack,
  AppMessageAccepted: E.AppMessageAccepted,
  AppRegistered: E.AppRegistered,
  AppUpdated: E.AppUpdated,
  AppExpired: E.AppExpired,
  AppRegistrationReverted: E.AppRegistrationReverted,
  AppExpiryReverted: E.AppExpiryReverted,
  AppRollbacksHandled: E.AppRollbacksHandled,
  InstanceScheduled: E.InstanceScheduled,
  InstanceUnscheduled: E.InstanceUnscheduled,
  InstanceStarted: E.InstanceStarted,
  InstanceFailed: E.InstanceFailed,
  InstanceStopped: E.InstanceStopped,
  CertificateIssued: E.CertificateIssued,
  RoutesApplied: E.RoutesApplied,
  InstanceRouted: E.InstanceRouted,
  InstanceDrained: E.InstanceDrained,
  DnsRecordsApplied: E.DnsRecordsApplied,
  MasterElected: E.MasterElected,
} as const;

type Defs = typeof EventDefinitions;
export type EventType = keyof Defs;
export type EventData<T extends EventType> = z.infer<Defs[T]['schema']>;
/** A validated event of a known type; `switch (e.type)` narrows `data`. */
export type DomainEvent = { [T in EventType]: EventEnvelope<T, EventData<T>> }[EventType];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

export class ContractError extends Error {
  override readonly name = 'ContractError';
}

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`)
    .join('; ');
}

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EventDefinitions, type);
}

/**
 * Validates an envelope read from the bus (or anywhere outside this process) and its data against
 * the schema of its type. Throws a ContractError that names the offending fields.
 */
export function parseEvent(raw: unknown): DomainEvent {
  const env = EnvelopeSchema.safeParse(raw);
  if (!env.success) throw new ContractError(`invalid event envelope: ${describeIssues(env.error, '')}`);
  const { type } = env.data;
  if (!isEventType(type)) throw new ContractError(`unknown event type '${type}'`);
  const def = EventDefinitions[type];
  if (env.data.schemaVersion > def.schemaVersion) {
    throw new ContractError(`${type} schema version ${env.data.schemaVersion} is newer than the supported ${def.schemaVersion}`);
  }
  const data = def.schema.safeParse(upcast(type, env.data.schemaVersion, env.data.data));
  if (!data.success) {
    const written = env.data.schemaVersion < def.schemaVersion ? ` (written as v${env.data.schemaVersion})` : '';
    throw new ContractError(`invalid ${type}${written}: ${describeIssues(data.error, 'data')}`);
  }
  // Consumers see today's version, whatever the event was written with.
  return { ...env.data, schemaVersion: def.schemaVersion, data: data.data } as DomainEvent;
}

/** Lifts data written with an older schema version to the current one, one version at a time. */
function upcast(type: EventType, from: number, data: unknown): unknown {
  const def = EventDefinitions[type];
  let out = data;
  for (let v = from; v < def.schemaVersion; v++) {
    if (typeof out !== 'object' || out === null || Array.isArray(out)) return out; // the schema will name the problem
    out = def.upcasters[v]!(out as Record<string, unknown>);
  }
  return out;
}

/** Builds a validated event; a producer can never put an ill-formed event on the bus. */
export function makeEvent<T extends EventType>(type: T, subject: string, data: EventData<T>, meta: EventMeta = {}): EventOf<T> {
  const def: EventDefinition<string, z.ZodType> = EventDefinitions[type];
  const parsed = validData(def, data);
  if (!parsed.success) throw new ContractError(`invalid ${type}: ${describeIssues(parsed.error, 'data')}`);
  // Built field by field (the envelope's order), without a temporary object per optional field.
  const env: Record<string, unknown> = {
    id: meta.id ?? newEventId(),
    type,
    schemaVersion: def.schemaVersion,
    subject,
    time: meta.time ? meta.time.toISOString() : isoNow(),
  };
  if (meta.causationId) env.causationId = meta.causationId;
  if (meta.correlationId) env.correlationId = meta.correlationId;
  if (meta.leaderTerm) env.leaderTerm = meta.leaderTerm;
  env.data = parsed.data;
  return env as unknown as EventOf<T>;
}

/** The current time as an ISO string, made once per millisecond (a burst makes thousands of events in one). */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastNow) {
    lastNow = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
let lastNow = -1;
let lastIso = '';

/**
 * The event's data validated: in full, or, when every reusable field holds a value sealed with that
 * field's schema, the other fields validated and the sealed values taken as they are.
 */
function validData(def: EventDefinition<string, z.ZodType>, data: unknown): { success: true; data: unknown } | { success: false; error: z.ZodError } {
  const reusable = def.reusable;
  if (reusable && typeof data === 'object' && data !== null) {
    const d = data as Record<string, unknown>;
    if (reusable.fields.every((f) => isSealed(f.schema, d[f.key]))) {
      const rest = reusable.rest.safeParse(data);
      if (!rest.success) return rest;
      const out = rest.data as Record<string, unknown>;
      for (const f of reusable.fields) out[f.key] = d[f.key];
      return { success: true, data: out };
    }
  }
  return def.schema.safeParse(data);
}

/** Meta for an event caused by `cause`: same correlation, causation = cause. */
export function causedBy(cause: { id: string; correlationId?: string }, id?: string): EventMeta {
  return { id, causationId: cause.id, correlationId: cause.correlationId ?? cause.id };
}
