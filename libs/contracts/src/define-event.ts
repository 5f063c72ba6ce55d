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
  /** Top-level fields that may carry a sealed value (see `seal`), and the schema of the other fields. */
  reusable?: { fields: ReadonlyArray<{ key: string; schema: z.ZodType }>; rest: z.ZodType };
}

export function defineEvent<T extends string, S extends z.ZodType>(
  type: T, schemaVersion: number, schema: S, upcasters: Readonly<Record<number, Upcaster>> = {}, opts: { reusable?: string[] } = {},
): EventDefinition<T, S> {
  for (let v = 1; v < schemaVersion; v++) {
    if (!upcasters[v]) throw new Error(`${type} v${schemaVersion} needs an upcaster from v${v}`);
  }
  let reusable: EventDefinition<T, S>['reusable'];
  if (opts.reusable?.length) {
    if (!(schema instanceof z.ZodObject)) throw new Error(`${type}: reusable fields need an object schema`);
    const shape = schema.shape as Record<string, z.ZodType>;
    const fields = opts.reusable.map((key) => {
      if (!shape[key]) throw new Error(`${type}: no field '${key}' to reuse`);
      return { key, schema: shape[key] };
    });
    // Typed by the shape, which is not known here: the keys were checked against it above.
    reusable = { fields, rest: schema.omit(Object.fromEntries(opts.reusable.map((k) => [k, true])) as never) };
  }
  return { type, schemaVersion, schema, upcasters, ...(reusable ? { reusable } : {}) };
}

/**
 * Values validated once and frozen, by the schema they were validated with. Some data goes into
 * event after event unchanged (the scheduler puts an app's components in an InstanceScheduled for
 * each of its instances, thousands a second in a burst): `makeEvent` takes a sealed value of a
 * reusable field as it is instead of validating and copying it again. Only `seal` adds to it, after
 * validating with the very schema the event uses for that field, and the value is deep-frozen, so
 * what was checked is what is sent.
 */
const sealedValues = new WeakMap<object, z.ZodType>();

/** Validates `value` with `schema` (throws a ZodError) and returns it frozen, recognised by `makeEvent` as valid. */
export function seal<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = trySeal(schema, value);
  if (!r.success) throw r.error;
  return r.data;
}

/** `seal` without throwing: the validation's result, its data sealed when it passed. */
export function trySeal<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.infer<S>> {
  const r = schema.safeParse(value) as z.ZodSafeParseResult<z.infer<S>>;
  if (r.success && typeof r.data === 'object' && r.data !== null) sealedValues.set(deepFreeze(r.data), schema);
  return r;
}

/** True when `value` was sealed with `schema`. */
export function isSealed(schema: z.ZodType, value: unknown): boolean {
  return typeof value === 'object' && value !== null && sealedValues.get(value) === schema;
}

function deepFreeze<T extends object>(value: T): T {
  if (Array.isArray(value)) {
    // By index: for…in over an array makes a string of every index.
    for (let i = 0; i < value.length; i++) freezeMember(value[i]);
  } else {
    // for…in over own data (a parsed value has no inherited enumerable keys): no array of values per object.
    for (const k in value) freezeMember(value[k]);
  }
  return Object.freeze(value);
}

function freezeMember(v: unknown): void {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) deepFreeze(v);
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
