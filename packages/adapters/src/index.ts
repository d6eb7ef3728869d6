export * from './config/config';
