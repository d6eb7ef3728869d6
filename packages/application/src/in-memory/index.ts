export { InMemoryDatabase } from './database';
export { InMemoryIdempotencyStore } from './idempotency-store';
export { ManualClock } from './manual-clock';
export { InMemoryOutboxRelayStore } from './outbox-relay-store';
export { InMemoryRetentionStore } from './retention-store';
export {
  InMemoryCatalogQueries,
  InMemoryCouponQueries,
  InMemoryOrderQueries,
  InMemoryOutboxQueries,
  InMemorySalesQueries,
  InMemoryWalletQueries,
} from './queries';
export type {
  InMemorySnapshot,
  InMemoryState,
  Sequences,
  StoredAggregatedDay,
  StoredBalanceEntry,
  StoredCoupon,
  StoredIdempotencyKey,
  StoredOutboxEvent,
  StoredUserCoupon,
} from './state';
export {
  createInMemoryStorefront,
  DEFAULT_IN_MEMORY_NOW,
  InMemoryStateInspector,
  type InMemoryStorefront,
  type InMemoryStorefrontOptions,
} from './storefront';
export { InMemoryUnitOfWork } from './unit-of-work';
export { InMemoryTransactionHorizon } from './transaction-horizon';
