import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../../test/harness';
import { seedLargeShop } from '../../test/support/large-shop';
import { shopperJourney } from '../../test/support/scenario';
import { MAX_BALANCE, storefrontOn, TIME_ZONE } from '../../test/support/storefront';
import type { DB } from '../db/database.schema';
import { checkInvariants, type InvariantOptions } from './invariant.checks';

const testDb = useFreshDatabase();
const options: InvariantOptions = { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE };

/** Breaks the data inside a transaction, checks it, and rolls the damage back. */
async function checkAfter(damage: (trx: Kysely<DB>) => Promise<unknown>, checkOptions: InvariantOptions = options) {
  let report: Awaited<ReturnType<typeof checkInvariants>> | undefined;
  await testDb.current.db
    .transaction()
    .execute(async (trx) => {
      await damage(trx);
      report = await checkInvariants(trx, checkOptions);
      throw new Error('roll back');
    })
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'roll back')) throw error;
    });
  return report!;
}

const invariantsOf = (report: { violations: Array<{ invariant: number }> }) => [...new Set(report.violations.map((v) => v.invariant))];

beforeAll(async () => {
  await shopperJourney(storefrontOn(testDb.current.db), 1);
});

describe('checkInvariants', () => {
  it('passes on data written by the use cases', async () => {
    expect(await checkInvariants(testDb.current.db, options)).toEqual({ ok: true, violations: [] });
  });

  it('1: a balance that disagrees with its history, or a charge above the ceiling (refunds may pass it)', async () => {
    const report = await checkAfter((trx) => sql`update wallets set balance = balance + 1`.execute(trx));
    expect(report.ok).toBe(false);
    expect(invariantsOf(report)).toEqual([1]);
    expect(report.violations[0]?.detail).toMatch(/^user 1: balance 42351, but charges \+ refunds - payments = 42350$/);
    expect(invariantsOf(await checkAfter(async () => {}, { ...options, maxBalance: 1_000 }))).toEqual([1]);
    // History is append-only (migration 0006): the damage has to switch its guard off first.
    const editHistory = async (trx: Kysely<DB>) => {
      await sql`alter table balance_history disable trigger balance_history_append_only`.execute(trx);
      await sql`update balance_history set balance_after = balance_after + 1 where type = 'CHARGE'`.execute(trx);
    };
    expect(invariantsOf(await checkAfter(editHistory))).toEqual([1]);
    // A REFUND row above the ceiling is fine; only charges are bounded.
    expect(invariantsOf(await checkAfter(async () => {}, { ...options, maxBalance: 50_000 }))).toEqual([]);
  });

  it('2: stock that does not match units received, sold and restocked', async () => {
    expect(invariantsOf(await checkAfter((trx) => sql`update product_stock_shards set remaining = remaining - 1 where remaining > 0`.execute(trx)))).toEqual([2]);
    expect(invariantsOf(await checkAfter((trx) => sql`update refunds set restocked = false`.execute(trx)))).toEqual([2]);
  });

  it('3: coupon units lost or duplicated, or one copy paying two orders', async () => {
    expect(invariantsOf(await checkAfter((trx) => sql`update coupon_stock_shards set remaining = remaining + 1`.execute(trx)))).toEqual([3]);
    expect(invariantsOf(await checkAfter((trx) => sql`update user_coupons set order_id = null, used_at = null`.execute(trx)))).toEqual([3]);
  });

  it('4: shares that do not add up, refunds off the formula, a status that disagrees with the refunds', async () => {
    expect(invariantsOf(await checkAfter((trx) => sql`update order_lines set paid_amount = paid_amount + 1 where paid_amount < amount and refunded_quantity = 0`.execute(trx)))).toEqual([4]);
    expect(invariantsOf(await checkAfter((trx) => sql`update refund_lines set amount = amount + 1`.execute(trx)))).toEqual([4]);
    expect(invariantsOf(await checkAfter((trx) => sql`update orders set status = 'PAID', refunded_amount = 0 where status = 'PARTIALLY_REFUNDED'`.execute(trx)))).toEqual([4]);
    expect(invariantsOf(await checkAfter((trx) => sql`update order_lines set refunded_quantity = 0 where refunded_quantity > 0 and order_id in (select order_id from refunds)`.execute(trx)))).toEqual([4]);
  });

  it('5: an order change without its event, or with two', async () => {
    expect(invariantsOf(await checkAfter((trx) => sql`delete from outbox`.execute(trx)))).toEqual([5]);
    expect(
      invariantsOf(await checkAfter((trx) => sql`insert into outbox (type, order_id, payload, occurred_at) select type, order_id, payload, occurred_at from outbox`.execute(trx))),
    ).toEqual([5]);
    expect(invariantsOf(await checkAfter((trx) => sql`delete from outbox where type in ('order.cancelled', 'order.refunded')`.execute(trx)))).toEqual([5]);
    expect(invariantsOf(await checkAfter((trx) => sql`update outbox set order_id = order_id + 1000000 where type = 'order.cancelled'`.execute(trx)))).toEqual([5]);
    const undelivered = await checkAfter(async () => {}, { ...options, requireDelivered: true });
    expect(invariantsOf(undelivered)).toEqual([5]);
  });

  it('5: events purged by retention are missing only for changes older than what it keeps, and never doubled', async () => {
    const purgeAll = (trx: Kysely<DB>) => sql`delete from outbox`.execute(trx);
    // Every change is older than a cut-off in the future: each may have lost its event.
    const later = { ...options, eventsKeptSince: new Date(Date.now() + 86_400_000) };
    expect(invariantsOf(await checkAfter(purgeAll, later))).toEqual([]);
    // A cut-off before every change: none may have.
    expect(invariantsOf(await checkAfter(purgeAll, { ...options, eventsKeptSince: new Date(0) }))).toEqual([5]);
    // Old or not, a second event of one change is wrong.
    const doubled = (trx: Kysely<DB>) => sql`insert into outbox (type, order_id, payload, occurred_at) select type, order_id, payload, occurred_at from outbox`.execute(trx);
    expect(invariantsOf(await checkAfter(doubled, later))).toEqual([5]);
  });

  it('6: statistics of an aggregated day that differ from its net sales', async () => {
    expect(invariantsOf(await checkAfter((trx) => sql`update daily_product_sales set quantity = quantity + 1`.execute(trx)))).toEqual([6]);
    expect(invariantsOf(await checkAfter((trx) => sql`delete from daily_product_sales`.execute(trx)))).toEqual([6]);
    // The same orders cut in another time zone fall on other days.
    expect(invariantsOf(await checkAfter(async () => {}, { ...options, timeZone: 'America/Los_Angeles' }))).toEqual([6]);
  });
});

describe('checkInvariants on a live database', () => {
  it('names the subject of each violation', async () => {
    const report = await checkAfter((trx) => sql`update product_stock_shards set remaining = remaining + 1 where shard_no = 0 and product_id = (select min(product_id) from order_lines)`.execute(trx));
    expect(report.violations).toHaveLength(1);
    const [violation] = report.violations;
    expect(violation?.invariant).toBe(2);
    expect(violation?.subject).toMatch(/^product \d+$/);
    expect(violation?.detail.startsWith(`${violation?.subject}: received`)).toBe(true);
  });

  it('reports every check it had no time for, rather than passing', async () => {
    const report = await checkInvariants(testDb.current.db, { ...options, deadline: Date.now() - 1 });
    expect(report.ok).toBe(false);
    expect(new Set(report.violations.map((v) => v.subject))).toEqual(new Set(['audit']));
    expect(invariantsOf(report)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('checkInvariants on 20,000 orders whose statistics the planner has not seen', () => {
  const large = useFreshDatabase();

  beforeAll(async () => {
    await seedLargeShop(large.current.db, { orders: 20_000, days: 10, timeZone: TIME_ZONE, analyze: false });
  });

  // Before the checks ran with nested loops off, the outbox check alone ran for minutes here.
  it('finds nothing wrong well within a budget of 20 s', async () => {
    const report = await checkInvariants(large.current.db, { ...options, deadline: Date.now() + 20_000 });
    expect(report).toEqual({ ok: true, violations: [] });
  });

  it('a budget too short for the whole table ends in violations that say so', async () => {
    const report = await checkInvariants(large.current.db, { ...options, deadline: Date.now() + 5 });
    expect(report.ok).toBe(false);
    const last = report.violations.at(-1);
    expect([last?.invariant, last?.subject]).toEqual([6, 'audit']);
    expect(last?.detail).toMatch(/^not checked/);
  });
});
