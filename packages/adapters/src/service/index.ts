export * from './logger';
export * from './start-up';
export * from './typed-token';
