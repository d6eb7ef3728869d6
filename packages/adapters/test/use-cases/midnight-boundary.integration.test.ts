import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AggregateDailySales, BusinessCalendar } from '@storefront/application';
import { ManualClock } from '@storefront/application/testing';
import { openDatabase } from '../../src/db/database.factory';
import { KyselyUnitOfWork } from '../../src/unit-of-work/kysely.unit-of-work';
import { PgTransactionHorizon } from '../../src/unit-of-work/transaction.horizon';
import { useFreshDatabase } from '../harness';
import { storefrontOn } from '../support/storefront';

/*
 * Invariant 6 at the midnight boundary: an order stamped 23:59:59 that commits after 00:00
 * (here: it waits behind a wallet lock held by another client) is in the statistics of the day
 * it is stamped with, whenever the aggregation runs; a day is never marked complete while such
 * an order can still commit.
 */

const testDb = useFreshDatabase({ poolSize: 10 });
const kst = (local: string) => new Date(`${local}+09:00`);

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the midnight boundary', () => {
  it('counts an order stamped before midnight that commits after the 00:00 aggregation started, and only then calls the day complete', async () => {
    const clock = new ManualClock(kst('2026-11-20T12:00:00'));
    const shop = storefrontOn(testDb.current.db, { clock });
    const product = await shop.aProduct({ price: 1_000, stock: 50 });
    await shop.chargeBalance.execute({ userId: 1, amount: 100_000 });

    // Another client holds user 1's wallet: the order will take its timestamp, then wait.
    const holder = await openDatabase({ databaseUrl: testDb.current.url, poolSize: 1 });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.db.transaction().execute(async (trx) => {
      await sql`select 1 from wallets where user_id = 1 for update`.execute(trx);
      locked();
      await released;
    });
    try {
      await isLocked;
      clock.set(kst('2026-11-20T23:59:59'));
      const order = shop.placeOrder.execute({ userId: 1, items: [{ productId: product.id, quantity: 3 }], userCouponId: null });
      await waitFor(async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
        `.execute(testDb.current.db);
        return rows[0]!.n > 0;
      }, 'the order to wait for the wallet lock');

      // 00:00:05: the job aggregates the day that just ended while the order is still open.
      clock.set(kst('2026-11-21T00:00:05'));
      let aggregated = false;
      const aggregation = shop.aggregateDailySales.execute({ day: '2026-11-20' }).then((result) => {
        aggregated = true;
        return result;
      });
      // It waits for the open transaction rather than deciding without it...
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(aggregated).toBe(false);
      // ...which commits at last, stamped 23:59:59.
      release();
      const placed = await order;
      expect(placed.createdAt.toISOString()).toBe(kst('2026-11-20T23:59:59').toISOString());
      const { rows } = await aggregation;
      expect(rows).toEqual([{ day: '2026-11-20', productId: product.id, quantity: 3, revenue: 3_000 }]);
      const run = await testDb.current.db.selectFrom('sales_aggregation_runs').selectAll().where('day', '=', '2026-11-20').executeTakeFirstOrThrow();
      expect(run.complete).toBe(true);
      expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
    } finally {
      release();
      await holding;
      await holder.close();
    }
  });

  it('leaves the day incomplete when a transaction stays open past the horizon deadline, and completes it on the next run', async () => {
    const db = testDb.current.db;
    const impatient = new AggregateDailySales(new KyselyUnitOfWork(db), new BusinessCalendar('Asia/Seoul'), new PgTransactionHorizon(db, { timeoutMs: 200, pollMs: 20 }));
    const holder = await openDatabase({ databaseUrl: testDb.current.url, poolSize: 1 });
    try {
      await holder.db.transaction().execute(async (trx) => {
        await sql`update wallets set updated_at = updated_at where user_id = 1`.execute(trx);
        await impatient.execute({ day: '2026-11-10' });
        const run = await db.selectFrom('sales_aggregation_runs').selectAll().where('day', '=', '2026-11-10').executeTakeFirstOrThrow();
        expect(run.complete).toBe(false);
      });
    } finally {
      await holder.close();
    }
    await impatient.execute({ day: '2026-11-10' });
    const run = await db.selectFrom('sales_aggregation_runs').selectAll().where('day', '=', '2026-11-10').executeTakeFirstOrThrow();
    expect(run.complete).toBe(true);
  });

  it('waits for a unit of work that has written nothing yet, and ignores a transaction that is no unit of work', async () => {
    const db = testDb.current.db;
    const horizon = new PgTransactionHorizon(db, { timeoutMs: 300, pollMs: 20 });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => {};
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const run = new KyselyUnitOfWork(db).run(async () => {
      started();
      await released;
    });
    await isStarted;
    expect(await horizon.awaitOpenTransactions()).toBeNull();
    release();
    await run;
    expect(await horizon.awaitOpenTransactions()).toBeInstanceOf(Date);

    // A plain transaction that is no unit of work (a job's lock holder) takes no id: not waited for.
    await db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      expect(await horizon.awaitOpenTransactions()).toBeInstanceOf(Date);
    });
  });
});
