export * from './figures';
export * from './activity';
export * from './history';
export * from './sampling';
