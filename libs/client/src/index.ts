export * from './client';
export * from './subscribe';
export * from './rpc';
export * from './asyncapi';
export * from './print-events';
export { Rpc, Subjects, type DomainEvent, type EventOf, type EventType } from '@fluxplane/contracts';
