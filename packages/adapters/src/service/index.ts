export * from './service.logger';
export * from './service.start-up';
export * from './container.token';
