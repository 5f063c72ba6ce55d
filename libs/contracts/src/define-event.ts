import { z } from 'zod';

/**
 * Turns the data of an event written with schema version `from` into the data of version `from + 1`.
 * Pure and total over valid old data: stored events are never rewritten, they are read through it.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * An event definition: its type name, the schema version it is written with, the schema of its
 * data, and the upcasters that read older versions (`upcasters[v]` lifts version v to v + 1).
 * Schemas evolve additively; a field older events lack is filled in by an upcaster, so every consumer
 * sees today's shape. A breaking change of meaning is a new type.
 */
export interface EventDefinition<T extends string, S extends z.ZodType> {
  type: T;
  schemaVersion: number;
  schema: S;
  upcasters: Readonly<Record<number, Upcaster>>;
}

export function defineEvent<T extends string, S extends z.ZodType>(
  type: T, schemaVersion: number, schema: S, upcasters: Readonly<Record<number, Upcaster>> = {},
): EventDefinition<T, S> {
  for (let v = 1; v < schemaVersion; v++) {
    if (!upcasters[v]) throw new Error(`${type} v${schemaVersion} needs an upcaster from v${v}`);
  }
  return { type, schemaVersion, schema, upcasters };
}

/** Shared field schemas. */
export const NodeId = z.string().min(1).max(140);
export const AppName = z.string().min(1).max(63);
export const Hash64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
/** Node tiers are a protocol constant of libs/flux-spec, re-exported for event schemas. */
export { Tier } from '@fluxplane/flux-spec';
export const Height = z.number().int().nonnegative();
export const Ip = z.string().min(3).max(64);
/** A transaction id as the indexer read it from the chain. */
export const Txid = z.string().min(1);
/** Why a service decided something, for people reading the stream. */
export const Reason = z.string().max(200);
export const Port = z.number().int().min(0).max(65535);
