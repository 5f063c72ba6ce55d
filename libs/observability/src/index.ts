export * from './metrics';
export * from './error-text';
