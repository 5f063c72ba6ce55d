export * from './envelope';
export * from './subjects';
export * from './define-event';
export * from './events';
export * from './registry';
export * from './commands';
export * from './signals';
export * from './explorer';
