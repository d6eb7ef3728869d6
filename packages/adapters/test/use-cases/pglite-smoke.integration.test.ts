import { ContendedUnits, NO_PRODUCT_CACHE, PlaceOrder } from '@storefront/application';
import { ManualClock } from '@storefront/application/testing';
import { ErrorCode } from '@storefront/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.factory';
import { PgInvariantAuditor } from '../../src/invariants/invariant.auditor';
import { PgOutboxQueries } from '../../src/outbox-relay/outbox.queries';
import { PgOutboxRelayStore } from '../../src/outbox-relay/outbox-relay.store';
import { freshPgliteDatabase } from '../harness';
import { shopperJourney } from '../support/scenario';
import { staleStockReads } from '../support/stale-stock-reads';
import { settleAll, storefrontOn } from '../support/storefront';

/* The embedded default: the same use cases and migrations on PGlite, in a temporary directory. */

let database: Database;

beforeAll(async () => {
  database = await freshPgliteDatabase();
});
afterAll(async () => {
  await database.close();
});

describe('PGlite smoke test', () => {
  it('runs a shopper through every use case with the same answers as PostgreSQL', async () => {
    const shop = storefrontOn(database.db);
    await shopperJourney(shop, 1);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('audits in full, then from the checkpoint, with nobody else to wait for', async () => {
    const auditor = new PgInvariantAuditor(database.db, { timeZone: 'Asia/Seoul', othersMayWrite: false });
    const audit = () => auditor.audit({ budgetMs: 20_000, maxBalance: 10_000_000, scope: 'incremental' });
    expect(await audit()).toEqual({ scope: 'full', findings: [] });
    await storefrontOn(database.db).chargeBalance.execute({ userId: 1, amount: 1_000 });
    expect(await audit()).toEqual({ scope: 'incremental', findings: [] });
  });

  it('stays exact when calls race on its single connection', async () => {
    // Another business day than the journey's, which that test aggregated.
    const shop = storefrontOn(database.db, { clock: new ManualClock(new Date('2025-04-01T03:00:00.000Z')) });
    const coupon = await shop.aCoupon({ totalQuantity: 10 });
    const product = await shop.aProduct({ price: 1_000, stock: 20 });
    const users = Array.from({ length: 40 }, (_, i) => 100 + i);
    await Promise.all(users.map((userId) => shop.chargeBalance.execute({ userId, amount: 1_000 })));

    const issues = await settleAll(users.map((userId) => shop.issueCoupon.execute({ userId, couponId: coupon.id })));
    expect(issues.codes).toEqual({ ok: 10, [ErrorCode.CouponSoldOut]: 30 });
    const orders = await settleAll(users.map((userId) => shop.placeOrder.execute({ userId, items: [{ productId: product.id, quantity: 1 }], userCouponId: null })));
    expect(orders.codes).toEqual({ ok: 20, [ErrorCode.OutOfStock]: 20 });
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('takes stock at commit: an order that read stock since sold is refused there, its writes rolled back', async () => {
    const shop = storefrontOn(database.db, { clock: new ManualClock(new Date('2025-04-02T03:00:00.000Z')) });
    const product = await shop.aProduct({ price: 1_000, stock: 10 });
    const users = Array.from({ length: 30 }, (_, i) => 200 + i);
    await Promise.all(users.map((userId) => shop.chargeBalance.execute({ userId, amount: 1_000 })));
    // Every order reads the stock of 10, so none is refused before its commit.
    const placeOrder = new PlaceOrder(staleStockReads(shop.uow, new Map([[product.id, 10]])), shop.clock, NO_PRODUCT_CACHE, new ContendedUnits());

    const results = await Promise.allSettled(users.map((userId) => placeOrder.execute({ userId, items: [{ productId: product.id, quantity: 1 }], userCouponId: null })));
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(refusals).toHaveLength(20);
    for (const refusal of refusals) expect(refusal).toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: product.id, available: 0 } });
    expect((await shop.getProduct.execute({ productId: product.id })).stock).toBe(0);
    const balances = await database.db.selectFrom('wallets').select('balance').where('user_id', 'in', users).execute();
    expect(balances.filter((w) => w.balance === 0)).toHaveLength(10);
    expect(balances.filter((w) => w.balance === 1_000)).toHaveLength(20);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('numbers the events for the replay feed and the relay, on its one connection too', async () => {
    const feed = new PgOutboxQueries(database.db);
    const all = [];
    for (let after = 0; ; ) {
      const page = await feed.feed(after, 7, null);
      if (page.items.length === 0) break;
      all.push(...page.items);
      after = page.nextAfter;
    }
    const stored = await database.db.selectFrom('outbox').select(['event_id', 'sequence']).orderBy('sequence').execute();
    expect(all.map((e) => e.envelope.eventId)).toEqual(stored.map((r) => r.event_id));
    expect(all.length).toBeGreaterThan(20);
    const claimed = await new PgOutboxRelayStore(database.db).claimDue(5, 30_000);
    // Lowest first, skipping the events that wait for an earlier event of their order.
    const sequences = claimed.map((e) => e.envelope.sequence);
    expect(sequences[0]).toBe(all[0]!.envelope.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(claimed).toHaveLength(5);
  });
});
