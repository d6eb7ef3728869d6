import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregateDailySales, BusinessCalendar, type DailyProductSales, type OrderView } from '@storefront/application';
import { checkInvariants, KyselyUnitOfWork, loadConfig, PgTransactionHorizon } from '@storefront/adapters';
import { freshDatabase, type TestDatabase } from '@storefront/adapters/testing';
import { startSchedulerRole } from '../src/scheduler.composition';
import { ManualClock } from '@storefront/application/testing';
import { recordingLogger, type LogEntry } from './support/recording-logger';
import { MAX_BALANCE, TestShop } from './support/shop';
import { waitUntil } from './support/wait';

/*
 * The daily sales aggregation against real PostgreSQL: business days cut at midnight in
 * Asia/Seoul (+09:00), statistics equal to the day's paid lines however often and however
 * concurrently the job runs, and several scheduler instances catching up a day once.
 */

const ZONE = 'Asia/Seoul';
const calendar = new BusinessCalendar(ZONE);
let database: TestDatabase;
let clock: ManualClock;
let shop: TestShop;
let aggregate: AggregateDailySales;
let products: number[];
const placed: OrderView[] = [];

/** Places an order at a local Seoul wall-clock time. */
async function orderAt(localTime: string, userId: number, items: { productId: number; quantity: number }[]): Promise<void> {
  clock.set(`${localTime}+09:00`);
  placed.push(await shop.order(userId, items));
}

/** The statistics a day must hold, computed here from the orders the test placed. */
function expectedRows(day: string): DailyProductSales[] {
  const totals = new Map<number, DailyProductSales>();
  for (const order of placed.filter((o) => calendar.dayOf(o.createdAt) === day)) {
    for (const line of order.items) {
      const row = totals.get(line.productId) ?? { day, productId: line.productId, quantity: 0, revenue: 0 };
      row.quantity += line.quantity;
      row.revenue += line.amount;
      totals.set(line.productId, row);
    }
  }
  return [...totals.values()].sort((a, b) => a.productId - b.productId);
}

async function storedRows(day: string): Promise<DailyProductSales[]> {
  const rows = await database.db.selectFrom('daily_product_sales').selectAll().where('day', '=', day).orderBy('product_id').execute();
  return rows.map((r) => ({ day: r.day, productId: r.product_id, quantity: r.quantity, revenue: r.revenue }));
}

beforeAll(async () => {
  database = await freshDatabase({ poolSize: 20 });
  clock = new ManualClock('2026-11-01T09:00:00+09:00');
  shop = new TestShop(database, clock);
  products = await shop.addProducts([1_000, 2_500, 4_000]);
  await shop.fund([1, 2, 3, 4]);
  aggregate = new AggregateDailySales(new KyselyUnitOfWork(database.db), calendar, new PgTransactionHorizon(database.db, { timeoutMs: 30_000, pollMs: 20 }));

  const [p1, p2, p3] = products as [number, number, number];
  await orderAt('2026-11-19T23:59:59.999', 3, [{ productId: p3, quantity: 1 }]);
  await orderAt('2026-11-20T00:00:00', 4, [{ productId: p2, quantity: 4 }]);
  await orderAt('2026-11-20T13:30:00', 1, [
    { productId: p1, quantity: 1 },
    { productId: p3, quantity: 2 },
  ]);
  await orderAt('2026-11-20T23:59:59', 1, [{ productId: p1, quantity: 2 }]);
  await orderAt('2026-11-21T00:00:00', 2, [
    { productId: p1, quantity: 3 },
    { productId: p2, quantity: 1 },
  ]);
  await orderAt('2026-11-21T18:00:00', 3, [{ productId: p2, quantity: 5 }]);
});
afterAll(async () => {
  await database.close();
});

describe('business days in Asia/Seoul', () => {
  it('puts an order at 23:59:59 and one at 00:00:00 local on different days', async () => {
    const [p1, p2, p3] = products as [number, number, number];
    const day20 = await aggregate.execute({ day: '2026-11-20' });
    const day21 = await aggregate.execute({ day: '2026-11-21' });

    expect(day20.from.toISOString()).toBe('2026-11-19T15:00:00.000Z');
    expect(day20.to.toISOString()).toBe('2026-11-20T15:00:00.000Z');
    // 20th: p1 1 (13:30) + 2 (23:59:59); p2 4 (00:00:00); p3 2. The 19th's 23:59:59.999 is not in it.
    expect(day20.rows).toEqual([
      { day: '2026-11-20', productId: p1, quantity: 3, revenue: 3_000 },
      { day: '2026-11-20', productId: p2, quantity: 4, revenue: 10_000 },
      { day: '2026-11-20', productId: p3, quantity: 2, revenue: 8_000 },
    ]);
    // 21st: the 00:00:00 order (p1 3, p2 1) and p2 5.
    expect(day21.rows).toEqual([
      { day: '2026-11-21', productId: p1, quantity: 3, revenue: 3_000 },
      { day: '2026-11-21', productId: p2, quantity: 6, revenue: 15_000 },
    ]);
    expect(day20.rows).toEqual(expectedRows('2026-11-20'));
    expect(day21.rows).toEqual(expectedRows('2026-11-21'));
  });
});

describe('re-running a day', () => {
  it('gives the same rows, run twice in a row or many times at once, equal to the paid lines', async () => {
    const days = ['2026-11-19', '2026-11-20', '2026-11-21'];
    for (const day of days) await aggregate.execute({ day });
    const first = await Promise.all(days.map(storedRows));

    for (const day of days) await aggregate.execute({ day });
    expect(await Promise.all(days.map(storedRows))).toEqual(first);

    const concurrent = await Promise.all(days.flatMap((day) => Array.from({ length: 4 }, () => aggregate.execute({ day }))));
    for (const run of concurrent) expect(run.rows).toEqual(expectedRows(run.day));
    expect(await Promise.all(days.map(storedRows))).toEqual(days.map(expectedRows));

    const report = await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: ZONE });
    expect(report.violations).toEqual([]);
  });
});

describe('two scheduler instances starting at once', () => {
  it('catch up every missed day once between them, with the same statistics', async () => {
    await database.db.deleteFrom('daily_product_sales').execute();
    await database.db.deleteFrom('sales_aggregation_runs').execute();
    clock.set('2026-11-22T09:00:00+09:00');
    const sinkDir = await mkdtemp(join(tmpdir(), 'scheduler-sink-'));
    const config = loadConfig({ TZ_BUSINESS: ZONE, EVENT_SINK_PATH: join(sinkDir, 'events.jsonl') }, { dataDir: sinkDir });
    const loggers = [recordingLogger(), recordingLogger()];
    const roles = loggers.map((logger) => startSchedulerRole({ config, database, logger, clock, maxCatchUpDays: 31 }));
    const finished = (entries: LogEntry[]) => entries.some((e) => e.message.startsWith('daily sales aggregat'));
    try {
      await waitUntil('both instances have run their catch-up', () => loggers.every((l) => finished(l.entries)));
    } finally {
      await Promise.all(roles.map((role) => role.close()));
      await rm(sinkDir, { recursive: true, force: true });
    }

    const aggregatedDays = loggers.flatMap((l) => l.entries.flatMap((e) => (e.fields.days as string[] | undefined) ?? []));
    expect(aggregatedDays).toHaveLength(31);
    expect(new Set(aggregatedDays).size).toBe(31);
    expect(aggregatedDays).toContain('2026-10-22');
    expect(aggregatedDays).toContain('2026-11-21');
    for (const day of ['2026-11-19', '2026-11-20', '2026-11-21']) expect(await storedRows(day)).toEqual(expectedRows(day));
    const report = await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: ZONE });
    expect(report.violations).toEqual([]);
    // The instance that aggregated audited the live data right after, and found it whole.
    expect(roles.map((role) => role.audit.violationCount()).sort()).toEqual([0, null]);
    expect(loggers.flatMap((l) => l.entries).filter((e) => e.message.startsWith('invariant audit'))).toHaveLength(1);
  });
});

describe('the audit after the aggregation', () => {
  it('logs a broken invariant at error, with its subject, and counts it', async () => {
    await database.db.deleteFrom('daily_product_sales').execute();
    await database.db.deleteFrom('sales_aggregation_runs').execute();
    // Damage no use case can do: a balance that no longer matches its history.
    await database.db.updateTable('wallets').set((eb) => ({ balance: eb('balance', '+', 1) })).where('user_id', '=', 2).execute();
    const sinkDir = await mkdtemp(join(tmpdir(), 'scheduler-sink-'));
    const config = loadConfig({ TZ_BUSINESS: ZONE, EVENT_SINK_PATH: join(sinkDir, 'events.jsonl'), MAX_BALANCE: String(MAX_BALANCE) }, { dataDir: sinkDir });
    const logger = recordingLogger();
    const role = startSchedulerRole({ config, database, logger, clock, maxCatchUpDays: 3 });
    try {
      await waitUntil('the audit has run', () => role.audit.violationCount() !== null);
    } finally {
      await role.close();
      await database.db.updateTable('wallets').set((eb) => ({ balance: eb('balance', '-', 1) })).where('user_id', '=', 2).execute();
      await rm(sinkDir, { recursive: true, force: true });
    }
    expect(role.audit.violationCount()).toBe(1);
    const logged = logger.entries.find((e) => e.message === 'invariant audit found violations');
    expect(logged?.level).toBe('error');
    expect(logged?.fields.violations).toEqual([{ invariant: 1, subject: 'user 2', detail: expect.stringMatching(/^user 2: balance/) as unknown }]);
  });
});
