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
export { tierFromCollateral, isCollateralAmount, SATS_PER_FLUX } from './tiers';
export type { NodeTier } from './tiers';
