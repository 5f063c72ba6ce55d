/** Injection tokens. */
export const CONFIG = Symbol('fluxplane.config');
export const LOGGER = Symbol('fluxplane.logger');
export const SERVICE_NAME = Symbol('fluxplane.service-name');
