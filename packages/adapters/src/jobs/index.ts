export * from './advisory-lock';
export * from './job-lease';
export * from './pg-retention.store';
