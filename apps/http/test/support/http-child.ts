/*
 * The HTTP role in a process of its own, for the kill -9 tests: composed as `startHttpRole`
 * composes it, over DATABASE_URL, except that a test-only fault hook (KILL_AT) may wrap the unit
 * of work and SIGKILL the process at one point of the first write:
 *   before-transaction  the key is claimed, no transaction has begun
 *   holding-a-lock      inside the transaction, right after the wallet's row lock
 *   before-commit       the use case's work and the key's completion are done, COMMIT not sent (the
 *                       writes deferred to the COMMIT have not reached PostgreSQL either)
 *   after-commit        committed, the response not yet sent
 * It prints "listening <url>" once it accepts requests.
 */
import type { RunOptions, TransactionScope, UnitOfWork } from '@storefront/application';
import { openDatabase } from '@storefront/adapters';
import { buildApp } from '../../src/app';
import { composeHttp, postgresPorts } from '../../src/http.composition';

type KillPoint = 'before-transaction' | 'holding-a-lock' | 'before-commit' | 'after-commit';

const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL sent to self');
};

class KillingUnitOfWork implements UnitOfWork {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly at: KillPoint,
  ) {}

  async run<T>(work: (tx: TransactionScope) => Promise<T>, options?: RunOptions): Promise<T> {
    if (this.at === 'before-transaction') die();
    const result = await this.transactions.run(async (tx) => {
      const scope: TransactionScope =
        this.at === 'holding-a-lock'
          ? {
              ...tx,
              wallets: {
                lockForUser: async (userId, now) => {
                  await tx.wallets.lockForUser(userId, now);
                  return die();
                },
                lockForCharge: async (userId) => {
                  await tx.wallets.lockForCharge(userId);
                  return die();
                },
                lockForOrder: async (userId, now) => {
                  await tx.wallets.lockForOrder(userId, now);
                  return die();
                },
                addCharge: (change, maxBalance, transactionId) => tx.wallets.addCharge(change, maxBalance, transactionId),
                addPayment: (payment, orderId, paymentId) => tx.wallets.addPayment(payment, orderId, paymentId),
                saveRefunded: (wallet) => tx.wallets.saveRefunded(wallet),
              },
            }
          : tx;
      const value = await work(scope);
      if (this.at === 'before-commit') die();
      return value;
    }, options);
    if (this.at === 'after-commit') die();
    return result;
  }
}

const killAt = process.env.KILL_AT as KillPoint | undefined;
const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, poolSize: 10 });
const ports = postgresPorts(database, { idempotencyLeaseMs: Number(process.env.IDEMPOTENCY_LEASE_MS), businessTimeZone: 'Asia/Seoul', eventRetentionDays: 90 });
const deps = composeHttp(
  ports,
  { jwtSecret: process.env.JWT_SECRET!, maxBalance: 10_000_000, businessTimeZone: 'Asia/Seoul', readiness: async () => true, productCacheTtlMs: 0 },
  killAt ? { transactions: new KillingUnitOfWork(ports.transactions, killAt) } : {},
);
// No load shedding: a fresh process on a busy machine lags, and a shed request never reaches the fault.
const app = await buildApp(deps, { protection: { corsOrigins: [], rateLimitPerMinute: 0, overload: { maxEventLoopDelayMs: 600_000, maxHeapUsedBytes: 2 ** 40 } } });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${url}\n`);
