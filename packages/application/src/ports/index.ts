export * from './clock.port';
export * from './pagination';
export * from './views';
export * from './repositories.port';
export * from './queries.port';
export * from './outbox-relay.port';
export * from './idempotency.port';
export * from './storefront-ports';
