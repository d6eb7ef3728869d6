import { ChargeBalance, ContendedUnits, NO_PRODUCT_CACHE, PlaceOrder, type Clock } from '@storefront/application';
import { Money } from '@storefront/domain';
import { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../../test/harness';
import { PgProductRepository } from '../repositories/product.repository';
import { KyselyUnitOfWork } from '../unit-of-work/kysely.unit-of-work';
import { PgTransactionHorizon } from '../unit-of-work/transaction.horizon';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, GuardedPostgresDialect, guardsOfEachTransaction, POSTGRES_TYPES } from './database.factory';
import type { DB } from './database.schema';

const testDb = useFreshDatabase();
const now = new Date('2026-11-24T09:00:00.000Z');
const clock: Clock = { now: () => now };

/** The messages the service's driver sent to PostgreSQL, in order: what a round trip carries. */
const sent: string[] = [];

/** A pg client that records each message it sends (the driver only ever sends text). */
class RecordingClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super(config);
    const send = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      sent.push(String(args[0]));
      return send(...args);
    }) as pg.Client['query'];
  }
}

let db: Kysely<DB>;

beforeAll(() => {
  const pool = new pg.Pool({ connectionString: testDb.current.url, max: 4, types: POSTGRES_TYPES, Client: RecordingClient });
  db = new Kysely<DB>({ dialect: new GuardedPostgresDialect({ pool }, guardsOfEachTransaction(DEFAULT_STATEMENT_TIMEOUT_MS, DEFAULT_LOCK_TIMEOUT_MS)) });
});
afterAll(() => db.destroy());
beforeEach(() => {
  sent.length = 0;
});

/** Whether a transaction horizon taken now, on another connection, settles at once: false while a transaction holds an id. */
const horizonSettles = async () => (await new PgTransactionHorizon(testDb.current.db, { timeoutMs: 100, pollMs: 10 }).awaitOpenTransactions()) !== null;

const walletOf = (userId: number) => testDb.current.db.selectFrom('wallets').select('balance').where('user_id', '=', userId).executeTakeFirst();

describe('a unit of work that begins with its first statement', () => {
  it('charges in two messages: the BEGIN with the wallet lock, then the charge with the COMMIT', async () => {
    const charge = new ChargeBalance(new KyselyUnitOfWork(db), clock, Money.of(1_000_000));
    const view = await charge.execute({ userId: 501, amount: 7_000 });
    expect(view.balance).toBe(7_000);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^begin read write; .*select pg_current_xact_id\(\); insert into "wallets" .* values \(501, 0, now\(\)\)/);
    expect(sent[1]).toMatch(/^with booked as \(update wallets .*; commit$/);
    expect(await walletOf(501)).toEqual({ balance: 7_000 });
    const history = await testDb.current.db.selectFrom('balance_history').select(['id', 'amount', 'balance_after']).where('user_id', '=', 501).execute();
    expect(history).toEqual([{ id: Number(view.transactionId), amount: 7_000, balance_after: 7_000 }]);
  });

  it('places an order in three messages: the BEGIN with the products read, the wallet locked with the ids, the rest with the COMMIT', async () => {
    const product = await new PgProductRepository(testDb.current.db).add({ name: "Tea 'n' biscuits", price: 3_000, stock: 5 });
    await new ChargeBalance(new KyselyUnitOfWork(testDb.current.db), clock, Money.of(1_000_000)).execute({ userId: 505, amount: 10_000 });
    const placeOrder = new PlaceOrder(new KyselyUnitOfWork(db), clock, NO_PRODUCT_CACHE, new ContendedUnits());
    const order = await placeOrder.execute({ userId: 505, items: [{ productId: product.id, quantity: 2 }], userCouponId: null });
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^begin read write; .*select pg_current_xact_id\(\); select .* from "products" where "id" in \(\d+\)/);
    expect(sent[1]).toMatch(/^insert into "wallets" .* nextval\('orders_id_seq'\)/);
    expect(sent[2]).toMatch(/^insert into orders .*; insert into order_lines .*; with booked as .*; insert into outbox .*; select take_product_stock\(\d+, 2\); commit$/);
    expect(await walletOf(505)).toEqual({ balance: 4_000 });
    const stored = await testDb.current.db.selectFrom('order_lines').select(['order_id', 'name', 'quantity']).where('product_id', '=', product.id).execute();
    expect(stored).toEqual([{ order_id: order.orderId, name: "Tea 'n' biscuits", quantity: 2 }]);
  });

  it('holds its place in the horizon once its first statement has answered, before the work reads the clock', async () => {
    const settled = await new KyselyUnitOfWork(db).run(
      async (tx) => {
        await tx.wallets.lockForCharge(502);
        return horizonSettles();
      },
      { beginWithFirstStatement: true },
    );
    expect(settled).toBe(false);
    expect(sent).toHaveLength(2);
  });

  it('rolls back what the opening statement wrote when the work fails', async () => {
    await expect(
      new KyselyUnitOfWork(db).run(
        async (tx) => {
          await tx.wallets.lockForCharge(503);
          throw new Error('the charge was refused');
        },
        { beginWithFirstStatement: true },
      ),
    ).rejects.toThrow('the charge was refused');
    expect(await walletOf(503)).toBeUndefined();
    expect(sent.at(-1)).toBe('rollback');
  });

  it('still runs a first statement that cannot carry the BEGIN inside the transaction, after it', async () => {
    await expect(
      new KyselyUnitOfWork(db).run(
        async (tx) => {
          await tx.wallets.lockForUser(504, now);
          throw new Error('the work failed');
        },
        { beginWithFirstStatement: true },
      ),
    ).rejects.toThrow('the work failed');
    expect(await walletOf(504)).toBeUndefined();
    expect(sent[0]).toMatch(/^begin read write; .*select pg_current_xact_id\(\)$/);
    expect(sent[1]).toMatch(/^insert into "wallets"/);
  });

  it('sends nothing at all for a work that runs no statement', async () => {
    await new KyselyUnitOfWork(db).run(() => Promise.resolve(), { beginWithFirstStatement: true });
    expect(sent).toEqual([]);
  });
});

describe('a unit of work that may read the clock first', () => {
  it('has begun, holding its place in the horizon, before the work runs', async () => {
    const settled = await new KyselyUnitOfWork(db).run(() => horizonSettles());
    expect(settled).toBe(false);
    expect(sent).toEqual([expect.stringMatching(/^begin read write; .*select pg_current_xact_id\(\)$/), 'commit']);
  });
});
