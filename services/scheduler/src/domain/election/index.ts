export * from './types';
export * from './decide-master';
export * from './master-state';
