import type { StorefrontPorts } from '../ports';
import { InMemoryDatabase } from './database';
import { DEFAULT_IDEMPOTENCY_LEASE_MS, InMemoryIdempotencyStore } from './idempotency-store';
import { InMemoryTransactionHorizon } from './transaction-horizon';
import { ManualClock } from './manual-clock';
import { InMemoryOutboxRelayStore } from './outbox-relay-store';
import { InMemoryRetentionStore } from './retention-store';
import {
  InMemoryCatalogQueries,
  InMemoryCouponQueries,
  InMemoryOrderQueries,
  InMemoryOutboxQueries,
  InMemorySalesQueries,
  InMemoryWalletQueries,
} from './queries';
import { snapshotOf, type InMemorySnapshot, type InMemoryState } from './state';
import { InMemoryUnitOfWork } from './unit-of-work';

/** The instant an in-memory storefront's clock starts at unless told otherwise (a Tuesday, 18:00 in Seoul). */
export const DEFAULT_IN_MEMORY_NOW = '2026-11-24T09:00:00.000Z';

export interface InMemoryStorefrontOptions {
  /** Where the clock starts; ignored when `clock` is given. */
  now?: Date | string;
  clock?: ManualClock;
  /** How long an idempotency claim holds; DEFAULT_IDEMPOTENCY_LEASE_MS when not given. */
  idempotencyLeaseMs?: number;
}

/** What tests read to check the effect of a use case, without going through a port. */
export class InMemoryStateInspector {
  constructor(private readonly database: InMemoryDatabase) {}

  /** The whole committed state as plain data: equal snapshots mean nothing changed. */
  snapshot(): InMemorySnapshot {
    return snapshotOf(this.database.committed);
  }

  /** The committed state itself, read-only by convention: for quick looks, never for writes. */
  get committed(): Readonly<InMemoryState> {
    return this.database.committed;
  }

  balanceOf(userId: number): number {
    return this.database.committed.wallets.get(userId)?.balance ?? 0;
  }

  stockOf(productId: number): number | undefined {
    return this.database.committed.products.get(productId)?.stock;
  }

  remainingQuantityOf(couponId: number): number | undefined {
    return this.database.committed.coupons.get(couponId)?.remainingQuantity;
  }
}

export interface InMemoryStorefront extends StorefrontPorts {
  clock: ManualClock;
  retentionStore: InMemoryRetentionStore;
  state: InMemoryStateInspector;
}

/**
 * Every port of the application over one in-memory database: the unit of work, the queries, the
 * outbox relay store and the idempotency store all see the same data, and the clock is a test's
 * to move. A fresh storefront per test keeps tests independent.
 */
export function createInMemoryStorefront(options: InMemoryStorefrontOptions = {}): InMemoryStorefront {
  const clock = options.clock ?? new ManualClock(options.now ?? DEFAULT_IN_MEMORY_NOW);
  const database = new InMemoryDatabase();
  return {
    transactions: new InMemoryUnitOfWork(database, clock),
    transactionHorizon: new InMemoryTransactionHorizon(database, clock),
    walletQueries: new InMemoryWalletQueries(database),
    catalogQueries: new InMemoryCatalogQueries(database),
    couponQueries: new InMemoryCouponQueries(database),
    orderQueries: new InMemoryOrderQueries(database),
    salesQueries: new InMemorySalesQueries(database),
    outboxQueries: new InMemoryOutboxQueries(database),
    outboxRelayStore: new InMemoryOutboxRelayStore(database, clock),
    idempotencyStore: new InMemoryIdempotencyStore(database, options.idempotencyLeaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS),
    retentionStore: new InMemoryRetentionStore(database),
    clock,
    state: new InMemoryStateInspector(database),
  };
}
