export * from './errors';
export * from './stream';
export * from './event-store';
export * from './projection';
export * from './checkpoints';
export * from './projection-runner';
export * from './metrics';
