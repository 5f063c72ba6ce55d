export * from './connect-auth';
export * from './generate';
