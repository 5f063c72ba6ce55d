/** Public surface: the pure routing decision and rendering, reusable by tools (CLI, dashboard). */
export * from './domain/routing-state';
export * from './domain/route-table';
export * from './domain/desired-routes';
export * from './domain/render-config';
export * from './domain/route-plan';
export { DomainManagerConfig } from './config';
