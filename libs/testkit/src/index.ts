export * from './ports';
export * from './wait';
export * from './nats';
export * from './postgres';
export * from './http';
export * from './service-harness';
export * from './event-store-fixture';
export * from './flux-reply';
