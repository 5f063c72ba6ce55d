/** Protocol constants of the Flux network: one definition each, imported by every service. */
export * from './tiers';
export * from './units';
export * from './resources';
export * from './payment-addresses';
