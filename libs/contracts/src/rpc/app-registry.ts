import { z } from 'zod';
import { AppName, Hash64, NodeId } from '../define-event';
import { FluxMessage } from '../events/app';
import { AppMessagesQuery, AppPrices, AppPricesQuery, AppSpecsQuery, RegistryHeight, SubmitAppMessage } from '../commands';
import { Commands, Queries } from '../subjects';
import { defineCommand, defineQuery, NoParameters } from './define';

/** `cmd.app-registry.submit-message`: the accepted message's hash, and what formatting warned about. */
export const SubmittedAppMessage = z.object({ hash: Hash64, warnings: z.array(z.string()) });
export type SubmittedAppMessage = z.infer<typeof SubmittedAppMessage>;

export const submitAppMessage = defineCommand(Commands.submitAppMessage, SubmitAppMessage, SubmittedAppMessage, {
  named: { DuplicateMessage: 409, NameTaken: 409, DomainTaken: 409, AppNotFound: 404 },
  otherwise: { code: 422, name: 'InvalidMessage' },
});

/**
 * A registered app as FluxOS's `/apps/globalappsspecifications` lists it: the formatted spec (its
 * fields depend on the spec version, so they pass through) with the hash and chain height of its
 * latest paid message.
 */
export const RegisteredSpec = z.looseObject({
  name: z.string(),
  owner: z.string(),
  hash: Hash64,
  height: z.number().int(),
});
export type RegisteredSpec = z.infer<typeof RegisteredSpec>;

export const appSpecs = defineQuery(Queries.appSpecs, AppSpecsQuery, z.array(RegisteredSpec));

const MessageFields = {
  type: FluxMessage.shape.type,
  version: FluxMessage.shape.version,
  appSpecifications: FluxMessage.shape.appSpecifications,
  hash: Hash64,
  timestamp: z.number().int(),
  signature: z.string(),
};
/** FluxOS's permanent message: paid on chain. */
export const PermanentAppMessage = z.object({ ...MessageFields, txid: z.string().nullable(), height: z.number().int().nullable(), valueSat: z.number().int().nullable() });
/** FluxOS's temporary message: verified, waiting for its payment until `expireAt`. */
export const TemporaryAppMessage = z.object({ ...MessageFields, receivedAt: z.iso.datetime(), expireAt: z.iso.datetime() });
export const AppMessage = z.union([PermanentAppMessage, TemporaryAppMessage]);
export type AppMessage = z.infer<typeof AppMessage>;

export const appMessages = defineQuery(Queries.appMessages, AppMessagesQuery, z.array(AppMessage));

/** FluxOS `/apps/hashes`: an app payment seen on chain, and whether its message is known. */
export const AppHash = z.object({
  txid: z.string(),
  height: z.number().int(),
  hash: Hash64,
  value: z.number().int(),
  message: z.boolean(),
  messageNotFound: z.boolean(),
});
export type AppHash = z.infer<typeof AppHash>;

export const appHashes = defineQuery(Queries.appHashes, NoParameters, z.array(AppHash));

export const registryHeight = defineQuery(Queries.registryHeight, NoParameters, RegistryHeight);

export const appPrices = defineQuery(Queries.appPrices, AppPricesQuery, AppPrices);

/** `qry.app-registry.registry-auth`: which node asks for which component's credentials. */
export const RegistryAuthQuery = z.object({ app: AppName, component: z.string().min(1).max(63), nodeId: NodeId });
export type RegistryAuthQuery = z.infer<typeof RegistryAuthQuery>;

/** Basic credentials for the component's image (its `repoauth`); null when the image is public. */
export const RegistryAuth = z.object({ auth: z.object({ username: z.string(), password: z.string() }).nullable() });
export type RegistryAuth = z.infer<typeof RegistryAuth>;

/**
 * Answered only to a node that currently holds a placement of the app (a refusal names why
 * otherwise): placement events are read by every node, so the credentials are not in them.
 */
export const registryAuth = defineQuery(Queries.registryAuth, RegistryAuthQuery, RegistryAuth);

/** `qry.app-registry.domain-claims`: which active apps other than `app` claim any of `domains` (cleaned names). */
export const DomainClaimsQuery = z.object({ app: z.string().max(100), domains: z.array(z.string().min(1).max(253)).max(100) });
export type DomainClaimsQuery = z.infer<typeof DomainClaimsQuery>;
export const DomainClaims = z.array(z.object({ domain: z.string(), app: z.string() }));
export type DomainClaims = z.infer<typeof DomainClaims>;
export const domainClaims = defineQuery(Queries.domainClaims, DomainClaimsQuery, DomainClaims);
