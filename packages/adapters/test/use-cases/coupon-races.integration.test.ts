import { ContendedUnits, couponUnitsKey, IssueCoupon, SharedReads, SoldOutCoupons, type CouponQueries } from '@storefront/application';
import { ErrorCode } from '@storefront/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../harness';
import { countWaits, HeldUntilSomeoneWaits } from '../support/held-transactions';
import { settleAll, storefrontOn, type Storefront } from '../support/storefront';

/* First-come coupons under a real crowd: exact counts, one copy per user, then the invariants. */

const testDb = useFreshDatabase({ poolSize: 20 });
let shop: Storefront;

beforeAll(() => {
  shop = storefrontOn(testDb.current.db);
});

const issuedCount = async (couponId: number) =>
  (await testDb.current.db.selectFrom('user_coupons').select('id').where('coupon_id', '=', couponId).execute()).length;

describe('first-come coupon races', () => {
  it('1,000 concurrent issues of a coupon of 100: exactly 100 issued and 900 sold out', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 100 });
    const { codes } = await settleAll(Array.from({ length: 1_000 }, (_, i) => shop.issueCoupon.execute({ userId: 100_000 + i, couponId: coupon.id })));
    expect(codes).toEqual({ ok: 100, [ErrorCode.CouponSoldOut]: 900 });
    expect(await issuedCount(coupon.id)).toBe(100);
    expect((await shop.getCoupon.execute({ couponId: coupon.id })).remainingQuantity).toBe(0);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('a rush through the gate: 1,000 users for 100 units, the latecomers wait in memory, all are woken, exactly 100 issued', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 100 });
    const gate = new ContendedUnits();
    const key = couponUnitsKey(coupon.id);
    const transactions = new HeldUntilSomeoneWaits(shop.uow, gate, key);
    const waits = countWaits(gate);
    const issue = new IssueCoupon(transactions, shop.queries.coupons, shop.clock, new SoldOutCoupons(), gate, new SharedReads());

    const { codes } = await settleAll(Array.from({ length: 1_000 }, (_, i) => issue.execute({ userId: 400_000 + i, couponId: coupon.id })));
    expect(codes).toEqual({ ok: 100, [ErrorCode.CouponSoldOut]: 900 });
    expect(waits()).toBeGreaterThan(0);
    // Latecomers were refused by a read (or the sold-out memory), not by a transaction of their own.
    expect(transactions.opened).toBeLessThan(1_000);
    expect(gate.stateOf(key)).toMatchObject({ inFlight: 0, waiting: 0 });
    expect(await issuedCount(coupon.id)).toBe(100);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('a rush on shared reads: 1,000 at once, 50 of them holders already, share a few reads; 100 issued, holders refused by the unique key', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 150 });
    const holders = Array.from({ length: 50 }, (_, i) => 500_000 + i);
    for (const userId of holders) await shop.issueCoupon.execute({ userId, couponId: coupon.id });
    let reads = 0;
    const queries = shop.queries.coupons;
    const counting: CouponQueries = {
      couponById: (id) => {
        reads++;
        return queries.couponById(id);
      },
      coupons: (page) => queries.coupons(page),
      couponSeenBy: (id, userId) => queries.couponSeenBy(id, userId),
      holdersOf: (id) => queries.holdersOf(id),
      userCouponsOf: (userId, page, now) => queries.userCouponsOf(userId, page, now),
    };
    const gate = new ContendedUnits();
    const issue = new IssueCoupon(shop.uow, counting, shop.clock, new SoldOutCoupons(), gate, new SharedReads());

    const crowd = [...holders, ...Array.from({ length: 950 }, (_, i) => 510_000 + i)];
    const { codes } = await settleAll(crowd.map((userId) => issue.execute({ userId, couponId: coupon.id })));
    expect(codes).toEqual({ ok: 100, [ErrorCode.CouponAlreadyIssued]: 50, [ErrorCode.CouponSoldOut]: 850 });
    // One read per request would be 1,000: here the first serves one, the next all the others,
    // and the rest are the rounds of those the gate woke.
    expect(reads).toBeLessThan(250);
    expect(gate.stateOf(couponUnitsKey(coupon.id))).toMatchObject({ inFlight: 0, waiting: 0 });
    expect(await issuedCount(coupon.id)).toBe(150);
    expect((await shop.getCoupon.execute({ couponId: coupon.id })).remainingQuantity).toBe(0);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('20 concurrent issues by one user: one issued, 19 already issued', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 100 });
    const { codes } = await settleAll(Array.from({ length: 20 }, () => shop.issueCoupon.execute({ userId: 7, couponId: coupon.id })));
    expect(codes).toEqual({ ok: 1, [ErrorCode.CouponAlreadyIssued]: 19 });
    expect((await shop.getCoupon.execute({ couponId: coupon.id })).remainingQuantity).toBe(99);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('500 users clicking twice for a coupon of 100: 100 issued, never two to one user', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 100 });
    const users = Array.from({ length: 500 }, (_, i) => 200_000 + i);
    const { codes } = await settleAll(users.flatMap((userId) => [0, 1].map(() => shop.issueCoupon.execute({ userId, couponId: coupon.id }))));
    expect(codes.ok).toBe(100);
    expect((codes[ErrorCode.CouponSoldOut] ?? 0) + (codes[ErrorCode.CouponAlreadyIssued] ?? 0)).toBe(900);
    expect(await issuedCount(coupon.id)).toBe(100);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('a coupon with fewer units than shards stays exact while claims wait on held shards', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 3 });
    const { codes } = await settleAll(Array.from({ length: 200 }, (_, i) => shop.issueCoupon.execute({ userId: 300_000 + i, couponId: coupon.id })));
    expect(codes).toEqual({ ok: 3, [ErrorCode.CouponSoldOut]: 197 });
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});
