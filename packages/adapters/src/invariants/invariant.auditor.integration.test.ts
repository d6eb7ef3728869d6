import { ManualClock } from '@storefront/application/testing';
import { sql, type Kysely, type KyselyPlugin } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../../test/harness';
import { shopperJourney } from '../../test/support/scenario';
import { MAX_BALANCE, storefrontOn, TIME_ZONE } from '../../test/support/storefront';
import type { DB } from '../db/database.schema';
import { JobLockKeys, runUnderAdvisoryLock } from '../jobs/advisory.lock';
import { PgInvariantAuditor } from './invariant.auditor';
import { readCheckpoint, type InvariantCheckpoint } from './invariant.checkpoint';
import { checkInvariantsSince, type InvariantOptions, type InvariantReport } from './invariant.checks';

const options: InvariantOptions = { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE };
const invariantsOf = (report: { violations: Array<{ invariant: number }> }) => [...new Set(report.violations.map((v) => v.invariant))];
/** Each finding as `<invariant>: <detail>`, to match against. */
const found = (findings: Array<{ invariant: number; detail: string }>) => findings.map((v) => `${v.invariant}: ${v.detail}`);
const auditorOn = (db: Kysely<DB>) => new PgInvariantAuditor(db, { timeZone: TIME_ZONE, othersMayWrite: true });
const audit = (db: Kysely<DB>, budgetMs = 20_000) => auditorOn(db).audit({ budgetMs, maxBalance: MAX_BALANCE, scope: 'incremental' });

/** Breaks the data inside a transaction, runs the incremental checks from the stored checkpoint on it, and rolls the damage back. */
async function checkSinceCheckpointAfter(db: Kysely<DB>, damage: (trx: Kysely<DB>) => Promise<unknown>, checkOptions: InvariantOptions = options) {
  const checkpoint = await readCheckpoint(db);
  if (!checkpoint) throw new Error('no checkpoint: run a clean audit first');
  let report: InvariantReport | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      await damage(trx);
      report = await checkInvariantsSince(trx, checkpoint, checkOptions);
      throw new Error('roll back');
    })
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'roll back')) throw error;
    });
  return report!;
}

/** A history row of user 1 with the wrong balance_after (one won above the running sum), its wallet agreeing with it. */
const chargeWithWrongBalance = async (trx: Kysely<DB>) => {
  await sql`insert into balance_history (user_id, type, amount, balance_after, order_id, created_at)
            select user_id, 'CHARGE', 100, balance + 101, null, now() from wallets where user_id = 1`.execute(trx);
  await sql`update wallets set balance = balance + 101 where user_id = 1`.execute(trx);
};

describe('PgInvariantAuditor, incremental from a checkpoint', () => {
  const testDb = useFreshDatabase();
  const db = () => testDb.current.db;

  beforeAll(async () => {
    await shopperJourney(storefrontOn(db(), { clock: new ManualClock('2025-03-10T03:00:00.000Z') }), 1);
  });

  it('audits everything the first time, records a checkpoint, then checks clean traffic since it and finds nothing', async () => {
    expect(await audit(db())).toEqual({ scope: 'full', findings: [] });
    const first = await readCheckpoint(db());
    const { max } = await db().selectFrom('orders').select((eb) => eb.fn.max('id').as('max')).executeTakeFirstOrThrow();
    expect(first?.watermarks.orderId).toBe(max);

    // The next business day, another shopper's journey, which aggregates its day (complete: the
    // horizon is the database's clock, long past 2025).
    await shopperJourney(storefrontOn(db(), { clock: new ManualClock('2025-03-11T03:00:00.000Z') }), 2);

    expect(await audit(db())).toEqual({ scope: 'incremental', findings: [] });
    const second = await readCheckpoint(db());
    expect(second?.watermarks.orderId).toBeGreaterThan(first!.watermarks.orderId);
    expect(Object.keys(second!.aggregatedDays)).toEqual(['2025-03-10', '2025-03-11']);
    // A full audit agrees, and nothing is found on the same data twice.
    expect(await auditorOn(db()).audit({ budgetMs: 20_000, maxBalance: MAX_BALANCE, scope: 'full' })).toEqual({ scope: 'full', findings: [] });
    expect(await audit(db())).toEqual({ scope: 'incremental', findings: [] });
  });

  it('finds a wallet changed without history, a fresh history row off its running sum, a charge above the ceiling', async () => {
    const wallet = await checkSinceCheckpointAfter(db(), (trx) => sql`update wallets set balance = balance + 1 where user_id = 1`.execute(trx));
    expect(found(wallet.violations)).toEqual([expect.stringMatching(/^1: user 1: balance \d+, but its last history row says \d+$/)]);

    const running = await checkSinceCheckpointAfter(db(), chargeWithWrongBalance);
    expect(found(running.violations)).toEqual([expect.stringMatching(/^1: history \d+ of user 1: balance_after \d+, but the running sum is \d+$/)]);

    const ceiling = await checkSinceCheckpointAfter(db(), async (trx) => {
      await sql`insert into balance_history (user_id, type, amount, balance_after, order_id, created_at)
                select user_id, 'CHARGE', ${MAX_BALANCE}, balance + ${MAX_BALANCE}, null, now() from wallets where user_id = 1`.execute(trx);
      await sql`update wallets set balance = balance + ${MAX_BALANCE} where user_id = 1`.execute(trx);
    });
    expect(found(ceiling.violations)).toEqual([expect.stringMatching(/^1: charge \d+ of user 1 took the balance to \d+, above 10000000$/)]);
  });

  it('finds a new order without its PAYMENT row', async () => {
    const report = await checkSinceCheckpointAfter(db(), async (trx) => {
      // An order as the service writes it, its stock taken and its event written, but not paid.
      const { rows } = await sql<{ id: number }>`
        insert into orders (user_id, status, total_amount, discount_amount, paid_amount, created_at)
        select 1, 'PAID', price, 0, price, now() from products where id = (select min(id) from products) returning id`.execute(trx);
      const orderId = rows[0]!.id;
      await sql`insert into order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount)
                select ${orderId}, id, name, price, 1, price, price from products where id = (select min(id) from products)`.execute(trx);
      await sql`select take_product_stock(min(id), 1) from products`.execute(trx);
      await sql`insert into outbox (type, order_id, payload, occurred_at) values ('order.paid', ${orderId}, '{}', now())`.execute(trx);
    });
    expect(found(report.violations)).toEqual([expect.stringMatching(/^1: order \d+ of user 1: 0 PAYMENT rows/)]);
  });

  it('finds stock changed, a coupon over-issued, a fresh refund without its event, a new event naming no order', async () => {
    const stock = await checkSinceCheckpointAfter(db(), (trx) => sql`update product_stock_shards set remaining = remaining + 1 where shard_no = 0 and product_id = (select min(id) from products)`.execute(trx));
    expect(found(stock.violations)).toEqual([expect.stringMatching(/^2: product \d+: received/)]);

    const coupon = await checkSinceCheckpointAfter(db(), (trx) =>
      sql`insert into user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at)
          select id, 99, discount_type, discount_value, now(), expires_at from coupons where id = (select min(id) from coupons)`.execute(trx),
    );
    expect(found(coupon.violations)).toEqual([expect.stringMatching(/^3: coupon \d+: 2 issued \+ 2 remaining <> total 3$/)]);

    // A refund after the checkpoint, through the use case: clean, until its event is lost.
    const shop = storefrontOn(db(), { clock: new ManualClock('2025-03-20T05:00:00.000Z') });
    await shop.chargeBalance.execute({ userId: 2, amount: 1_000_000 });
    const order = await shop.placeOrder.execute({ userId: 2, items: [{ productId: (await shop.aProduct({ stock: 5 })).id, quantity: 2 }], userCouponId: null });
    const refund = await shop.refundOrder.execute({ orderId: order.orderId, items: [{ productId: order.items[0]!.productId, quantity: 1 }], restock: true, reason: null });
    expect((await checkSinceCheckpointAfter(db(), async () => {})).violations).toEqual([]);
    const lost = await checkSinceCheckpointAfter(db(), (trx) => sql`delete from outbox where type = 'order.refunded' and order_id = ${order.orderId}`.execute(trx));
    expect(lost.violations.map((v) => [v.invariant, v.subject])).toEqual([
      [5, `order ${order.orderId}`],
      [5, `refund ${refund.refundId}`],
    ]);

    const orphan = await checkSinceCheckpointAfter(db(), (trx) =>
      sql`insert into outbox (type, order_id, payload, occurred_at) values ('order.paid', 999999, '{}', now())`.execute(trx),
    );
    expect(found(orphan.violations)).toEqual([expect.stringMatching(/^5: outbox event \S+ names order 999999, which does not exist$/)]);
  });

  it("finds a day aggregated since the checkpoint whose statistics are wrong; a day it checked is the full audit's", async () => {
    // The day of the previous test's order and refund.
    expect((await storefrontOn(db()).aggregateDailySales.execute({ day: '2025-03-20' })).rows).toHaveLength(1);
    expect(invariantsOf(await checkSinceCheckpointAfter(db(), async () => {}))).toEqual([]);
    const wrong = await checkSinceCheckpointAfter(db(), (trx) => sql`update daily_product_sales set quantity = quantity + 1 where day = '2025-03-20'`.execute(trx));
    expect(wrong.violations.map((v) => [v.invariant, v.subject])).toEqual([[6, '2025-03-20']]);
    expect(invariantsOf(wrong)).toEqual([6]);

    // 2025-03-10 was checked by the audit that made the checkpoint: an edit of it since is a silent one.
    const checkpoint = (await readCheckpoint(db()))!;
    const old = await checkSinceCheckpointAfter(db(), (trx) => sql`update daily_product_sales set quantity = quantity + 1 where day = '2025-03-10'`.execute(trx));
    expect(invariantsOf(old)).toEqual([]);
    expect(checkpoint.aggregatedDays['2025-03-10']).toBeDefined();
  });

  it('refuses to update or delete balance history', async () => {
    await expect(sql`update balance_history set amount = amount where user_id = 1`.execute(db())).rejects.toMatchObject({ code: '23001' });
    await expect(sql`delete from balance_history where user_id = 1`.execute(db())).rejects.toMatchObject({ code: '23001' });
  });

  it('does not wait for the transaction holding the lock of the scheduler job it runs in', async () => {
    await storefrontOn(db()).chargeBalance.execute({ userId: 1, amount: 1_000 });
    // A short budget: waiting for the lock's holder would end the wait unsettled, the checkpoint left behind.
    const run = await runUnderAdvisoryLock(db(), JobLockKeys.dailySalesAggregation, () => audit(db(), 4_000));
    expect(run).toEqual({ acquired: true, result: { scope: 'incremental', findings: [] } });
    const { max } = await db().selectFrom('balance_history').select((eb) => eb.fn.max('id').as('max')).executeTakeFirstOrThrow();
    expect((await readCheckpoint(db()))?.watermarks.balanceHistoryId).toBe(max);
  });
});

describe('PgInvariantAuditor and transactions that commit during it', () => {
  const testDb = useFreshDatabase();
  const db = () => testDb.current.db;

  beforeAll(async () => {
    await shopperJourney(storefrontOn(db()), 1);
    expect(await audit(db())).toEqual({ scope: 'full', findings: [] });
  });

  /** Resolves once `db`'s auditor has started waiting for transactions begun before it (its first poll of pg_stat_activity). */
  function watchingTheWait(): { db: Kysely<DB>; waiting: Promise<void> } {
    let seen!: () => void;
    const waiting = new Promise<void>((resolve) => (seen = resolve));
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        if (JSON.stringify(args.node).includes('pg_stat_activity')) seen();
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    };
    return { db: db().withPlugin(plugin), waiting };
  }

  it('waits for a transaction begun before it: a row it commits meanwhile is in the snapshot', async () => {
    const held = await db().startTransaction().execute();
    try {
      await chargeWithWrongBalance(held);
    } catch (error) {
      await held.rollback().execute();
      throw error;
    }
    const watched = watchingTheWait();
    const running = audit(watched.db);
    await watched.waiting;
    await held.commit().execute();
    const { findings } = await running;
    expect(found(findings)).toEqual([expect.stringMatching(/^1: history \d+ of user 1: balance_after/)]);
  });

  it('leaves the checkpoint where it was while such a transaction stays open, so the next audit checks its rows', async () => {
    // The row above is wrong for good (history is append-only): start again from a clean history.
    await sql`alter table balance_history disable trigger balance_history_append_only`.execute(db());
    await sql`delete from balance_history where id = (select max(id) from balance_history)`.execute(db());
    await sql`alter table balance_history enable trigger balance_history_append_only`.execute(db());
    await sql`update wallets set balance = balance - 101 where user_id = 1`.execute(db());
    expect((await audit(db())).findings).toEqual([]);
    const before: InvariantCheckpoint | null = await readCheckpoint(db());

    const held = await db().startTransaction().execute();
    let committed = false;
    try {
      await chargeWithWrongBalance(held);
      // A short budget: the wait (a quarter of it) ends with the transaction still open.
      expect(await audit(db(), 4_000)).toEqual({ scope: 'incremental', findings: [] });
      expect(await readCheckpoint(db())).toEqual(before);
      await held.commit().execute();
      committed = true;
    } finally {
      if (!committed) await held.rollback().execute();
    }
    expect(found((await audit(db())).findings)).toEqual([expect.stringMatching(/^1: history \d+ of user 1: balance_after/)]);
    // Something is broken: the next audit checks everything again.
    expect(await readCheckpoint(db())).toBeNull();
    expect((await audit(db())).scope).toBe('full');
  });
});
