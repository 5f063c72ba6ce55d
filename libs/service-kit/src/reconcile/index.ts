export * from './reconcile-loop';
export * from './projection-position';
export { reconcileMetrics } from './reconcile-metrics';
