import type { RunOptions, TransactionScope, UnitOfWork } from '@storefront/application';
import { isDomainError } from '@storefront/domain';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { PgIdempotencyKeyRepository } from '../idempotency/idempotency.store';
import { PgBalanceHistoryRepository } from '../repositories/balance-history.repository';
import { PgCouponRepository } from '../repositories/coupon.repository';
import { PgOrderRepository } from '../repositories/order.repository';
import { PgOutboxRepository } from '../repositories/outbox.repository';
import { beginNow } from '../db/pooled.connection';
import { DEADLOCK_DETECTED, SERIALIZATION_FAILURE, sqlState } from '../db/database.errors';
import { PgProductRepository } from '../repositories/product.repository';
import { isStockShortAtCommit, stockRefusal } from '../repositories/stock-takes';
import { PgSalesStatisticsRepository } from '../repositories/sales-statistics.repository';
import { PgUserCouponRepository } from '../repositories/user-coupon.repository';
import { PgWalletRepository } from '../repositories/wallet.repository';

export interface RetryPolicy {
  /** Runs of `work` in all, the first included. */
  maxAttempts: number;
  /** The pause before retry n is random in [0, baseDelayMs × 2^(n−1)). */
  baseDelayMs: number;
}

export interface UnitOfWorkOptions {
  retry?: RetryPolicy;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 10 };

/** Repositories bound to one transaction, built afresh for every run. */
export function transactionScope(trx: Kysely<DB>): TransactionScope & { products: PgProductRepository } {
  return {
    wallets: new PgWalletRepository(trx),
    balanceHistory: new PgBalanceHistoryRepository(trx),
    products: new PgProductRepository(trx),
    coupons: new PgCouponRepository(trx),
    userCoupons: new PgUserCouponRepository(trx),
    orders: new PgOrderRepository(trx),
    outbox: new PgOutboxRepository(trx),
    salesStatistics: new PgSalesStatisticsRepository(trx),
    idempotencyKeys: new PgIdempotencyKeyRepository(trx),
  };
}

/**
 * The unit of work on Kysely: each `run` is one `db.transaction()` (READ COMMITTED) with its
 * own repositories; nothing transactional lives on this object. A deadlock or serialization
 * failure (which the global lock order makes rare, not impossible) reruns the whole `work` a
 * few times after a short random pause; a domain error never does. Stock taken at commit
 * (`takeStockAtCommit`) that is not there fails the commit (stock-takes.ts): the run then
 * rejects with OUT_OF_STOCK, as the domain would have refused it. A put-back at commit
 * (`putBackStockAtCommit`) fails it only on a product without stock shards (migration 0008) or a
 * lock timeout, and that error is passed on as it is.
 *
 * On PGlite, Kysely's driver holds a connection mutex for the whole of a transaction (the
 * adapter declares a single connection), so concurrent runs queue rather than interleave.
 */
export class KyselyUnitOfWork implements UnitOfWork {
  private readonly retry: RetryPolicy;

  constructor(
    private readonly db: Kysely<DB>,
    options: UnitOfWorkOptions = {},
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  async run<T>(work: (tx: TransactionScope) => Promise<T>, options: RunOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(work, options);
      } catch (error) {
        if (attempt >= this.retry.maxAttempts || !isTransientConflict(error)) throw error;
        await pause(Math.random() * this.retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private async runOnce<T>(work: (tx: TransactionScope) => Promise<T>, options: RunOptions): Promise<T> {
    let products: PgProductRepository | undefined;
    try {
      // Declared `read write`, the transaction takes its id in its BEGIN round trip, before the
      // use case reads the clock: a transaction horizon taken after midnight then lists every
      // one that may still stamp the day before (PgTransactionHorizon). The driver holds that
      // BEGIN back; it is sent now, unless the work reads the clock only after its first
      // statement, which may then carry it. Jobs' lock holders, which are no units of work,
      // declare nothing and take no id. (PGlite, one connection, has no horizon to feed.)
      return await this.db
        .transaction()
        .setAccessMode('read write')
        .execute(async (trx) => {
          if (options.beginWithFirstStatement !== true) await beginNow(trx);
          const scope = transactionScope(trx);
          products = scope.products;
          return work(scope);
        });
    } catch (error) {
      // Stock taken at commit that was not there failed the commit on the CHECK: rolled back by
      // now, that is the domain's refusal, not a database failure.
      const takes = products?.stockTakenAtCommit ?? [];
      if (takes.length > 0 && isStockShortAtCommit(error)) throw await stockRefusal(this.db, takes);
      throw error;
    }
  }
}

export function isTransientConflict(error: unknown): boolean {
  if (isDomainError(error)) return false;
  const code = sqlState(error);
  return code === DEADLOCK_DETECTED || code === SERIALIZATION_FAILURE;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
