export * from './config';
export * from './logger';
export * from './tokens';
export * from './health';
export * from './metrics';
export * from './database';
export * from './dependency-wait';
export * from './projection-host';
export * from './responder';
export * from './service-kit.module';
export * from './bootstrap';
export * from './reconcile';
export * from './flux-error';
export * from './rpc-client';
// Services take the shared metric and error helpers from the kit, like everything else they share.
export { counter, errorText, gauge, histogram } from '@fluxplane/observability';
