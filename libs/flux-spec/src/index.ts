/**
 * @fluxplane/flux-spec: FluxOS-compatible app specifications, messages and prices.
 * Pure functions only (no I/O); everything chain-dependent takes the height as input.
 */
export type { AppComponent, FluxAppSpec, TierResources } from './types';
export type { RuleViolation, SpecWarning } from './errors';
export { SpecRuleError } from './errors';

export { formatSpec, formatSpecDetailed } from './format';
export type { FormatResult } from './format';
export { verifyAppSpec } from './validate';
export type { VerifyAppSpecOptions, VerifyAppSpecResult } from './validate';

export { parseContainerData, tryParseContainerData, syncModeOf } from './containerData';
export type { Mount, MountKind, ParsedContainerData, SyncFlag, ContainerDataResult } from './containerData';
export { registryCredentials, componentRepoauth } from './registry-credentials';
export type { RegistryCredentials } from './registry-credentials';
export { parseGeolocationEntry, geolocationAllows, geoRuleMatches } from './geolocation';
export type { GeoRule } from './geolocation';

export { nameKey, maxNameLength } from './rules/name';
export { isPortBanned, isPortEnterprise, hostPortRange, appHostPorts } from './rules/ports';
export { maxComponents } from './rules/compose';
export { minInstances, instancesOf } from './rules/instances';
export { minExpire, maxExpire, defaultExpire } from './rules/expire';
export { isEnterprise } from './rules/enterprise';
export { checkUpdateCompatibility } from './rules/update';
export { TOP_LEVEL_KEYS, COMPONENT_KEYS } from './rules/keys';

export { signedText, messageHash } from './hash';
export {
  verifySignature, signMessage, addressFromPrivateKey, publicKeyFromPrivateKey, publicKeyToAddress,
  decodePrivateKey, randomPrivateKey,
} from './signature';
export type { SignatureScheme, VerifySignatureOptions } from './signature';
export { recoverEthSigner, ethMessageHash } from './ethereum';
export { verifyMessage, acceptedSpecOrders } from './message';
export type { AppMessage, VerifyMessageOptions, VerifyMessageResult } from './message';

export {
  appPricePerMonth, registrationAmount, updateAmount, priceEntryAt, FLUX_PRICE_SCHEDULE,
} from './price';
export type { PriceScheduleEntry, PreviousPayment } from './price';

export { exampleSpec, EXAMPLE_HEIGHT, EXAMPLE_OWNER } from './examples';
export * as heights from './heights';
export * as limits from './limits';
export { buildAppMessage } from './build-message';

// Protocol constants (one definition each) and the runtime view of a spec.
export * from './protocol';
export * from './runtime';

// FluxOS parity data and payment acceptance.
export { FLUXOS_ENTERPRISE_NODES, FLUXOS_ENTERPRISE_OWNERS, enterpriseOwnersOf } from './data/enterprise-nodes';
export { paymentCoversPrice, minimumAcceptedSat, minimumAcceptedFlux } from './payment';
