import { ErrorCode } from '@storefront/domain';
import type { CouponQueries, UnitOfWork } from '../../ports';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront } from '../../in-memory';
import { aCoupon, allPages, given, invariantViolations, TEST_COUPON_EXPIRY } from '../../testing';

/** Yields to pending continuations until `condition` holds (no timers in this package). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await Promise.resolve();
  if (!condition()) throw new Error('condition never held');
}
import { CreateCoupon } from './create-coupon';
import { GetCoupon } from './get-coupon';
import { ContendedUnits, couponUnitsKey } from '../../support/contended-units';
import { SharedReads } from '../../support/shared-reads';
import { SoldOutCoupons } from '../../support/sold-out-coupons';
import { IssueCoupon } from './issue-coupon';
import { ListUserCoupons } from './list-user-coupons';

function setUp() {
  const store = createInMemoryStorefront();
  return {
    store,
    given: given(store),
    create: new CreateCoupon(store.transactions, store.clock),
    get: new GetCoupon(store.couponQueries),
    issue: new IssueCoupon(store.transactions, store.couponQueries, store.clock, new SoldOutCoupons(), new ContendedUnits(), new SharedReads()),
    list: new ListUserCoupons(store.couponQueries, store.clock),
  };
}

const expiry = new Date(TEST_COUPON_EXPIRY);

describe('CreateCoupon', () => {
  it('stores the coupon with all its units remaining', async () => {
    const { create, get } = setUp();
    const coupon = await create.execute(aCoupon().withName('Ten percent').rate(10).withTotalQuantity(3).build());
    expect(coupon).toEqual({ id: 1, name: 'Ten percent', discountType: 'RATE', discountValue: 10, totalQuantity: 3, remainingQuantity: 3, expiresAt: expiry });
    await expect(get.execute({ couponId: 1 })).resolves.toEqual(coupon);
  });

  it.each([
    ['an expiry that has passed', aCoupon().expiringAt('2026-11-24T08:59:59.999Z')],
    ['an expiry of now', aCoupon().expiringAt('2026-11-24T09:00:00.000Z')],
    ['a RATE over 100', aCoupon().rate(101)],
    ['a FIXED of 0', aCoupon().fixed(0)],
    ['a total of 0', aCoupon().withTotalQuantity(0)],
  ])('refuses %s as VALIDATION_FAILED and stores nothing', async (_what, coupon) => {
    const { store, create } = setUp();
    const before = store.state.snapshot();
    await expect(create.execute(coupon.build())).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(store.state.snapshot()).toEqual(before);
  });
});

describe('GetCoupon', () => {
  it('answers the remaining quantity as units are issued', async () => {
    const { given: g, get } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(2));
    await g.issuedCoupon(1, coupon.id);
    await expect(get.execute({ couponId: coupon.id })).resolves.toMatchObject({ totalQuantity: 2, remainingQuantity: 1 });
  });

  it('fails with COUPON_NOT_FOUND for an unknown id, and VALIDATION_FAILED for an invalid one', async () => {
    const { get } = setUp();
    await expect(get.execute({ couponId: 3 })).rejects.toMatchObject({ code: ErrorCode.CouponNotFound, details: { couponId: 3 } });
    await expect(get.execute({ couponId: -1 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});

describe('IssueCoupon', () => {
  it('gives the user an AVAILABLE copy and takes one unit', async () => {
    const { store, given: g, issue } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(5));
    await expect(issue.execute({ userId: 7, couponId: coupon.id })).resolves.toEqual({
      userCouponId: 1,
      couponId: coupon.id,
      userId: 7,
      status: 'AVAILABLE',
      issuedAt: store.clock.now(),
      expiresAt: expiry,
    });
    expect(store.state.remainingQuantityOf(coupon.id)).toBe(4);
  });

  it('fails with COUPON_NOT_FOUND for an unknown coupon and changes nothing', async () => {
    const { store, issue } = setUp();
    const before = store.state.snapshot();
    await expect(issue.execute({ userId: 1, couponId: 9 })).rejects.toMatchObject({ code: ErrorCode.CouponNotFound });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('fails with COUPON_ALREADY_ISSUED for a second copy to the same user and changes nothing', async () => {
    const { store, given: g, issue } = setUp();
    const coupon = await g.coupon();
    await issue.execute({ userId: 1, couponId: coupon.id });
    const before = store.state.snapshot();
    await expect(issue.execute({ userId: 1, couponId: coupon.id })).rejects.toMatchObject({
      code: ErrorCode.CouponAlreadyIssued,
      details: { couponId: coupon.id, userId: 1 },
    });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('fails with COUPON_SOLD_OUT once every unit is issued and changes nothing', async () => {
    const { store, given: g, issue } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(1));
    await issue.execute({ userId: 1, couponId: coupon.id });
    const before = store.state.snapshot();
    await expect(issue.execute({ userId: 2, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponSoldOut });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('fails with COUPON_EXPIRED from the instant the coupon expires and changes nothing', async () => {
    const { store, given: g, issue } = setUp();
    const coupon = await g.coupon(aCoupon().expiringAt('2026-11-24T10:00:00.000Z'));
    store.clock.set('2026-11-24T10:00:00.000Z');
    const before = store.state.snapshot();
    await expect(issue.execute({ userId: 1, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponExpired });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('rolls the user’s copy back when the last unit is claimed by someone else first', async () => {
    // The early "remaining" read is stale, then the claim finds nothing left: the copy already
    // written must go with the transaction.
    const { store, given: g } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(1));
    const staleQueries: CouponQueries = {
      couponById: async (id) => {
        const view = await store.couponQueries.couponById(id);
        return view && { ...view, remainingQuantity: 1 };
      },
      coupons: (page) => store.couponQueries.coupons(page),
      couponSeenBy: (id, userId) => store.couponQueries.couponSeenBy(id, userId),
      holdersOf: (id) => store.couponQueries.holdersOf(id),
      userCouponsOf: (userId, page, now) => store.couponQueries.userCouponsOf(userId, page, now),
    };
    const racing = new IssueCoupon(store.transactions, staleQueries, store.clock, new SoldOutCoupons(), new ContendedUnits(), new SharedReads());
    await g.issuedCoupon(1, coupon.id);
    const before = store.state.snapshot();
    await expect(racing.execute({ userId: 2, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponSoldOut });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('remembers a sold-out coupon and its holders: later shoppers are refused without a read', async () => {
    const { store, given: g } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(1));
    let reads = 0;
    const counting: CouponQueries = {
      couponById: (id) => {
        reads++;
        return store.couponQueries.couponById(id);
      },
      coupons: (page) => store.couponQueries.coupons(page),
      couponSeenBy: (id, userId) => {
        reads++;
        return store.couponQueries.couponSeenBy(id, userId);
      },
      holdersOf: (id) => store.couponQueries.holdersOf(id),
      userCouponsOf: (userId, page, now) => store.couponQueries.userCouponsOf(userId, page, now),
    };
    const issue = new IssueCoupon(store.transactions, counting, store.clock, new SoldOutCoupons(), new ContendedUnits(), new SharedReads());
    await issue.execute({ userId: 1, couponId: coupon.id });
    await expect(issue.execute({ userId: 2, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponSoldOut });
    expect(reads).toBe(2);

    await expect(issue.execute({ userId: 3, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponSoldOut });
    await expect(issue.execute({ userId: 1, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponAlreadyIssued });
    expect(reads).toBe(2);

    store.clock.set(coupon.expiresAt);
    await expect(issue.execute({ userId: 4, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponExpired });
  });

  it('holds a latecomer in the gate while the units left are in flight, then refuses it from a fresh read', async () => {
    const { store, given: g } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(1));
    let opened = 0;
    let letThrough!: () => void;
    const held = new Promise<void>((resolve) => (letThrough = resolve));
    const holding: UnitOfWork = {
      run: async (work) => {
        opened++;
        await held;
        return store.transactions.run(work);
      },
    };
    const gate = new ContendedUnits();
    const issue = new IssueCoupon(holding, store.couponQueries, store.clock, new SoldOutCoupons(), gate, new SharedReads());
    const first = issue.execute({ userId: 1, couponId: coupon.id });
    const latecomer = issue.execute({ userId: 2, couponId: coupon.id });
    await until(() => gate.stateOf(couponUnitsKey(coupon.id)).waiting === 1);
    letThrough();
    await expect(first).resolves.toMatchObject({ userId: 1 });
    await expect(latecomer).rejects.toMatchObject({ code: ErrorCode.CouponSoldOut });
    expect(opened).toBe(1);
    expect(gate.stateOf(couponUnitsKey(coupon.id))).toEqual({ known: 0, inFlight: 0, waiting: 0 });
  });

  it('gives the unit back to those waiting when the transaction fails', async () => {
    const { store, given: g } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(1));
    let failFirst!: () => void;
    const failing = new Promise<never>((_, reject) => (failFirst = () => reject(new Error('connection lost'))));
    let runs = 0;
    const flaky: UnitOfWork = { run: (work) => (runs++ === 0 ? failing : store.transactions.run(work)) };
    const gate = new ContendedUnits();
    const issue = new IssueCoupon(flaky, store.couponQueries, store.clock, new SoldOutCoupons(), gate, new SharedReads());
    const first = issue.execute({ userId: 1, couponId: coupon.id });
    const latecomer = issue.execute({ userId: 2, couponId: coupon.id });
    await until(() => gate.stateOf(couponUnitsKey(coupon.id)).waiting === 1);
    failFirst();
    await expect(first).rejects.toThrow('connection lost');
    await expect(latecomer).resolves.toMatchObject({ userId: 2 });
    expect(store.state.remainingQuantityOf(coupon.id)).toBe(0);
  });

  it('loads the holders of a coupon seen sold out once, however many are refused at the same moment', async () => {
    const { store, given: g } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(1));
    await g.issuedCoupon(1, coupon.id);
    let loads = 0;
    const counting: CouponQueries = {
      ...store.couponQueries,
      couponById: (id) => store.couponQueries.couponById(id),
      couponSeenBy: (id, userId) => store.couponQueries.couponSeenBy(id, userId),
      holdersOf: (id) => {
        loads++;
        return store.couponQueries.holdersOf(id);
      },
    };
    const issue = new IssueCoupon(store.transactions, counting, store.clock, new SoldOutCoupons(), new ContendedUnits(), new SharedReads());
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => issue.execute({ userId: 100 + i, couponId: coupon.id })));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code: string }).code === ErrorCode.CouponSoldOut)).toBe(true);
    expect(loads).toBe(1);
    await expect(issue.execute({ userId: 1, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponAlreadyIssued });
  });

  it('refuses invalid ids as VALIDATION_FAILED', async () => {
    const { issue } = setUp();
    await expect(issue.execute({ userId: 0, couponId: 1 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(issue.execute({ userId: 1, couponId: 0 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('first come, first served: 500 shoppers for 100 units, one each, exactly 100 issued', async () => {
    const { store, given: g, issue } = setUp();
    const coupon = await g.coupon(aCoupon().withTotalQuantity(100));
    const attempts = Array.from({ length: 500 }, (_, i) => issue.execute({ userId: (i % 250) + 1, couponId: coupon.id }));
    const results = await Promise.allSettled(attempts);
    const issued = results.filter((r) => r.status === 'fulfilled');
    expect(issued).toHaveLength(100);
    const codes = new Set(results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : [])));
    expect([...codes].sort()).toEqual([ErrorCode.CouponAlreadyIssued, ErrorCode.CouponSoldOut].sort());
    expect(store.state.remainingQuantityOf(coupon.id)).toBe(0);
    expect(invariantViolations(store.state.snapshot())).toEqual([]);
  });
});

describe('ListUserCoupons', () => {
  it('pages through the user’s copies newest first, each AVAILABLE, USED or EXPIRED as of now', async () => {
    const { store, given: g, list } = setUp();
    const soon = await g.coupon(aCoupon().withName('soon').expiringAt('2026-11-25T00:00:00.000Z'));
    const later = await g.coupon(aCoupon().withName('later'));
    const third = await g.coupon(aCoupon().withName('third'));
    const other = await g.coupon(aCoupon().withName('other user'));
    await g.issuedCoupon(2, other.id);
    const a = await g.issuedCoupon(1, soon.id);
    const b = await g.issuedCoupon(1, later.id);
    const c = await g.issuedCoupon(1, third.id);

    const page1 = await list.execute({ userId: 1, page: { limit: 2, after: null } });
    expect(page1.items.map((uc) => [uc.userCouponId, uc.status])).toEqual([[c.userCouponId, 'AVAILABLE'], [b.userCouponId, 'AVAILABLE']]);
    expect(page1.nextAfter).toBe(b.userCouponId);
    const page2 = await list.execute({ userId: 1, page: { limit: 2, after: page1.nextAfter } });
    expect(page2).toEqual({ items: [{ ...a, status: 'AVAILABLE' }], nextAfter: null });

    store.clock.set('2026-11-25T00:00:00.000Z');
    const pages = await allPages((page) => list.execute({ userId: 1, page }), 10);
    expect(pages[0]?.items.map((uc) => uc.status)).toEqual(['AVAILABLE', 'AVAILABLE', 'EXPIRED']);
  });

  it('refuses an invalid user id as VALIDATION_FAILED', async () => {
    const { list } = setUp();
    await expect(list.execute({ userId: 0, page: { limit: 20, after: null } })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
