import { z } from 'zod';

/**
 * An event definition: its type name, the schema version it is written with, and the schema of its
 * data. Schemas evolve additively (new optional fields); a breaking change is a new type.
 */
export interface EventDefinition<T extends string, S extends z.ZodType> {
  type: T;
  schemaVersion: number;
  schema: S;
}

export function defineEvent<T extends string, S extends z.ZodType>(type: T, schemaVersion: number, schema: S): EventDefinition<T, S> {
  return { type, schemaVersion, schema };
}

/** Shared field schemas. */
export const NodeId = z.string().min(1).max(140);
export const AppName = z.string().min(1).max(63);
export const Hash64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
export const Tier = z.enum(['CUMULUS', 'NIMBUS', 'STRATUS']);
export type Tier = z.infer<typeof Tier>;
export const Height = z.number().int().nonnegative();
export const Ip = z.string().min(3).max(64);
