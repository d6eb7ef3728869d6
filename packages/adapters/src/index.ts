export * from './config/config';
export * from './data-platform';
