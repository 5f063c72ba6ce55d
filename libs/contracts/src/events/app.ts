import { z } from 'zod';
import { AppRuntime, runtimeView } from '@fluxplane/flux-spec';
import { AppName, defineEvent, Hash64, Height, type Upcaster } from '../define-event';

/**
 * A signed registration or update message as Flux carries it. The spec is kept as received (key order
 * matters for the hash), so it is an open record here; libs/flux-spec validates its content.
 */
export const FluxMessage = z.object({
  type: z.enum(['fluxappregister', 'fluxappupdate', 'zelappregister', 'zelappupdate']),
  version: z.literal(1),
  appSpecifications: z.record(z.string(), z.unknown()),
  hash: Hash64,
  timestamp: z.number().int().positive(),
  signature: z.string().min(1).max(1000),
});
export type FluxMessage = z.infer<typeof FluxMessage>;

/** A verified message waiting for its payment (Flux's "temporary message"). */
export const AppMessageAccepted = defineEvent('AppMessageAccepted', 1, z.object({
  name: AppName,
  owner: z.string().min(1),
  message: FluxMessage,
  receivedAt: z.iso.datetime(),
  /** Flux keeps temporary messages for one hour. */
  validUntil: z.iso.datetime(),
}));

const RegisteredApp = z.object({
  name: AppName,
  hash: Hash64,
  owner: z.string().min(1),
  /** The formatted spec as verified and hashed: what FluxOS's API serves. Services never interpret it. */
  spec: z.record(z.string(), z.unknown()),
  /** What the spec means at run time (libs/flux-spec `runtimeView`): what every consumer reads. Since v2. */
  runtime: AppRuntime,
  txid: z.string().min(1),
  height: Height,
  expireBlocks: z.number().int().positive(),
  expiresAtHeight: Height,
  timestamp: z.number().int().positive(),
  signature: z.string().min(1),
  amountSat: z.number().int().nonnegative(),
});
export type RegisteredApp = z.infer<typeof RegisteredApp>;

/**
 * v1 events carry only the raw spec; reading them derives the view with the same pure function the
 * registry uses today, so an old stream replays into today's projections unchanged.
 */
const withRuntime = (app: Record<string, unknown>): Record<string, unknown> =>
  ('runtime' in app ? app : { ...app, runtime: runtimeView((app.spec ?? {}) as Record<string, unknown>) });
const registeredAppV1toV2: Upcaster = withRuntime;

export const AppRegistered = defineEvent('AppRegistered', 2, RegisteredApp, { 1: registeredAppV1toV2 });
export const AppUpdated = defineEvent('AppUpdated', 2, RegisteredApp, { 1: registeredAppV1toV2 });

export const AppExpired = defineEvent('AppExpired', 1, z.object({
  name: AppName,
  hash: Hash64,
  height: Height,
}));

/** A registration as it stood when a later decision replaced it: restored when that decision is reverted. */
export const RestoredApp = RegisteredApp.extend({
  /** the decision that made it the registration in force */
  promotedBy: z.enum(['AppRegistered', 'AppUpdated']),
  active: z.boolean(),
  /** height of its AppExpired, when it had expired */
  expiredAtHeight: Height.nullable(),
});
export type RestoredApp = z.infer<typeof RestoredApp>;

/**
 * Undoes an AppRegistered / AppUpdated whose payment left the chain (a reorganisation below its
 * height). The message is temporary again (it may be promoted anew if its hash is paid on the
 * winning branch); the app goes back to `restored` (the registration in force before), or, for a
 * first registration, ceases to exist (`restored` null).
 */
export const AppRegistrationReverted = defineEvent('AppRegistrationReverted', 2, z.object({
  name: AppName,
  /** the message hash whose promotion is undone */
  hash: Hash64,
  /** payment height of the undone promotion */
  height: Height,
  reverted: z.enum(['AppRegistered', 'AppUpdated']),
  restored: RestoredApp.nullable(),
}), {
  // v2: the restored registration carries its runtime view, as AppRegistered v2 does.
  1: (data) => (data.restored ? { ...data, restored: withRuntime(data.restored as Record<string, unknown>) } : data),
});

/**
 * app-registry has undone every app decision above the fork of these reorganisations (the stream
 * sequences of their ChainReorganized events). Recorded in the stream, not only in the registry's
 * tables, so that a projection rebuilt from sequence 1 knows they were handled: otherwise the replayed
 * ChainReorganized would make the registry revert the winning branch's decisions above the fork.
 * On `Subjects.registry()`.
 */
export const AppRollbacksHandled = defineEvent('AppRollbacksHandled', 1, z.object({
  reorgSeqs: z.array(z.number().int().positive()).min(1),
  forkHeight: Height,
}));

/** Undoes an AppExpired decided at a height that left the chain: the registration is active again. */
export const AppExpiryReverted = defineEvent('AppExpiryReverted', 1, z.object({
  name: AppName,
  hash: Hash64,
  /** height of the undone expiry */
  height: Height,
}));
