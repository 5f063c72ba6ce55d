export * from './chain';
export * from './node';
export * from './app';
export * from './placement';
export * from './routing';
export * from './dns';
export * from './master';
export * from './certificates';
