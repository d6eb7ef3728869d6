export * from './advisory.lock';
export * from './lease.lock';
export * from './retention.store';
