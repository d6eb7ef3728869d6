import type { Clock } from './clock.port';
import type { IdempotencyStore } from './idempotency.port';
import type { InvariantAuditor } from './invariant-audit.port';
import type { OutboxRelayStore } from './outbox-relay.port';
import type { CatalogQueries, CouponQueries, OrderQueries, OutboxQueries, SalesQueries, WalletQueries } from './queries.port';
import type { TransactionHorizon, UnitOfWork } from './repositories.port';

/** Every port a storefront is built from: PostgreSQL adapters in production, in-memory ones in tests. */
export interface StorefrontPorts {
  transactions: UnitOfWork;
  /** What the daily aggregation waits for before it calls a day complete. */
  transactionHorizon: TransactionHorizon;
  walletQueries: WalletQueries;
  catalogQueries: CatalogQueries;
  couponQueries: CouponQueries;
  orderQueries: OrderQueries;
  salesQueries: SalesQueries;
  outboxQueries: OutboxQueries;
  outboxRelayStore: OutboxRelayStore;
  idempotencyStore: IdempotencyStore;
  invariantAuditor: InvariantAuditor;
  clock: Clock;
}
