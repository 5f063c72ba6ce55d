/** The runtime meaning of a verified spec: one derivation, shared by every service. */
export * from './schema';
export { runtimeView } from './view';
export { componentOnTier, instanceDemand, isRunnable, type ComponentOnTier } from './on-tier';
export { cleanCustomDomain, customDomains, type CustomDomainClaim } from './custom-domains';
