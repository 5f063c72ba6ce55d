import { hash, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Every event on the bus travels in this envelope. `subject` names the aggregate stream the event
 * belongs to (e.g. `evt.app.demo`); `causationId` is the id of the message that caused it and
 * `correlationId` the id of the first message of the whole flow, so one user action can be traced
 * across services.
 */
export const EnvelopeSchema = z.object({
  id: z.string().min(1).max(128),
  type: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'event type must be PascalCase'),
  schemaVersion: z.number().int().positive(),
  subject: z.string().regex(/^evt(\.[^.\s*>]+)+$/, 'subject must be evt.<category>.<id>'),
  time: z.iso.datetime(),
  causationId: z.string().max(128).optional(),
  correlationId: z.string().max(128).optional(),
  /**
   * The fencing token of the writer that decided the event: the term of the scheduler leader lease
   * it held (scheduler decisions only). Lets any reader tell which leader decided what.
   */
  leaderTerm: z.number().int().positive().optional(),
  data: z.unknown(),
});

export type RawEnvelope = z.infer<typeof EnvelopeSchema>;

export interface EventEnvelope<T extends string = string, D = unknown> {
  id: string;
  type: T;
  schemaVersion: number;
  subject: string;
  time: string;
  causationId?: string;
  correlationId?: string;
  leaderTerm?: number;
  data: D;
}

/** Trace ids carried from the message that caused an event. */
export interface EventMeta {
  id?: string;
  causationId?: string;
  correlationId?: string;
  time?: Date;
  /** Fencing token of the scheduler leader that decided the event. */
  leaderTerm?: number;
}

/**
 * A stable id derived from the parts that identify a fact, formatted as a UUID. Used as the
 * `Nats-Msg-Id` of events that a process may derive more than once (after a crash, a redelivery),
 * so that JetStream's de-duplication stores them once.
 */
export function deterministicId(...parts: Array<string | number>): string {
  // One-shot hash: no Hash object per id (the scheduler derives one per placement).
  const h = hash('sha256', parts.join('\u001f'), 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function newEventId(): string {
  return randomUUID();
}
