import { ErrorCode, Money } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront } from '../../in-memory';
import { allPages, given } from '../../testing';
import { ChargeBalance } from './charge-balance';
import { GetBalance } from './get-balance';
import { GetBalanceHistory } from './get-balance-history';

const MAX_BALANCE = Money.of(10_000_000);

function setUp() {
  const store = createInMemoryStorefront();
  return {
    store,
    given: given(store),
    charge: new ChargeBalance(store.transactions, store.clock, MAX_BALANCE),
    getBalance: new GetBalance(store.walletQueries, store.clock),
    history: new GetBalanceHistory(store.walletQueries),
  };
}

describe('GetBalance', () => {
  it('answers 0 for a user who never charged, without creating a wallet', async () => {
    const { store, getBalance } = setUp();
    await expect(getBalance.execute({ userId: 42 })).resolves.toEqual({ userId: 42, balance: 0, updatedAt: store.clock.now() });
    expect(store.state.snapshot().wallets).toEqual([]);
  });

  it('answers the balance and when it last changed', async () => {
    const { store, charge, getBalance } = setUp();
    const chargedAt = store.clock.now();
    await charge.execute({ userId: 1, amount: 5_000 });
    store.clock.advanceBy(60_000);
    await expect(getBalance.execute({ userId: 1 })).resolves.toEqual({ userId: 1, balance: 5_000, updatedAt: chargedAt });
  });

  it('refuses an invalid user id as VALIDATION_FAILED', async () => {
    const { getBalance } = setUp();
    await expect(getBalance.execute({ userId: 0 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});

describe('ChargeBalance', () => {
  it('adds to the wallet and records one CHARGE history row with a transaction id', async () => {
    const { store, charge, history } = setUp();
    const first = await charge.execute({ userId: 1, amount: 3_000 });
    const second = await charge.execute({ userId: 1, amount: 2_000 });
    // The transaction id is the history row's id as a string, as PostgreSQL's bigserial gives it.
    expect(first).toEqual({ userId: 1, balance: 3_000, chargedAmount: 3_000, transactionId: '1' });
    expect(second).toMatchObject({ balance: 5_000, chargedAmount: 2_000 });
    expect(second.transactionId).not.toBe(first.transactionId);
    expect(store.state.balanceOf(1)).toBe(5_000);
    expect((await history.execute({ userId: 1, page: { limit: 10, after: null } })).items).toEqual([
      { transactionId: second.transactionId, type: 'CHARGE', amount: 2_000, balanceAfter: 5_000, orderId: null, createdAt: store.clock.now() },
      { transactionId: first.transactionId, type: 'CHARGE', amount: 3_000, balanceAfter: 3_000, orderId: null, createdAt: store.clock.now() },
    ]);
  });

  it('may fill the wallet exactly to MAX_BALANCE', async () => {
    const { charge } = setUp();
    await expect(charge.execute({ userId: 1, amount: 10_000_000 })).resolves.toMatchObject({ balance: 10_000_000 });
  });

  it('fails with BALANCE_LIMIT_EXCEEDED above MAX_BALANCE and changes nothing', async () => {
    const { store, given: g, charge } = setUp();
    await g.fundedUser(1, 9_000_000);
    const before = store.state.snapshot();
    await expect(charge.execute({ userId: 1, amount: 1_000_001 })).rejects.toMatchObject({ code: ErrorCode.BalanceLimitExceeded });
    await expect(charge.execute({ userId: 1, amount: Number.MAX_SAFE_INTEGER })).rejects.toMatchObject({ code: ErrorCode.BalanceLimitExceeded });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('fails for a first-time user without leaving the wallet it opened behind', async () => {
    const { store, charge } = setUp();
    const before = store.state.snapshot();
    await expect(charge.execute({ userId: 9, amount: 10_000_001 })).rejects.toMatchObject({ code: ErrorCode.BalanceLimitExceeded });
    expect(store.state.snapshot()).toEqual(before);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses an amount of %s as VALIDATION_FAILED and changes nothing', async (amount) => {
    const { store, charge } = setUp();
    const before = store.state.snapshot();
    await expect(charge.execute({ userId: 1, amount })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(store.state.snapshot()).toEqual(before);
  });

  it('refuses an invalid user id as VALIDATION_FAILED', async () => {
    const { charge } = setUp();
    await expect(charge.execute({ userId: -3, amount: 100 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('loses no charge among hundreds at once, and stops exactly at the ceiling', async () => {
    const { store, charge } = setUp();
    const results = await Promise.allSettled(Array.from({ length: 300 }, () => charge.execute({ userId: 1, amount: 50_000 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(200);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: ErrorCode.BalanceLimitExceeded });
    expect(store.state.balanceOf(1)).toBe(10_000_000);
    expect(store.state.snapshot().balanceHistory).toHaveLength(200);
  });
});

describe('GetBalanceHistory', () => {
  it('pages through one user’s changes newest first, each page key the last entry’s', async () => {
    const { store, given: g, charge, history } = setUp();
    await g.fundedUser(2, 777); // another user's row must not show up
    for (const amount of [100, 200, 300, 400, 500]) await charge.execute({ userId: 1, amount });

    const pages = await allPages((page) => history.execute({ userId: 1, page }), 2);
    expect(pages.map((p) => p.items.map((e) => e.amount))).toEqual([[500, 400], [300, 200], [100]]);
    expect(pages.map((p) => p.items.map((e) => e.balanceAfter))).toEqual([[1_500, 1_000], [600, 300], [100]]);
    expect(pages[2]?.nextAfter).toBeNull();
    const seqs = store.state.snapshot().balanceHistory.filter((e) => e.userId === 1).map((e) => e.seq);
    expect(pages[0]?.nextAfter).toBe(seqs[3]);
  });

  it('answers a last page with nextAfter null when the items fit exactly', async () => {
    const { charge, history } = setUp();
    for (const amount of [1, 2]) await charge.execute({ userId: 1, amount });
    await expect(history.execute({ userId: 1, page: { limit: 2, after: null } })).resolves.toMatchObject({ nextAfter: null });
  });

  it('answers an empty page for a user with no history', async () => {
    const { history } = setUp();
    await expect(history.execute({ userId: 1, page: { limit: 20, after: null } })).resolves.toEqual({ items: [], nextAfter: null });
  });

  it('refuses an invalid user id as VALIDATION_FAILED', async () => {
    const { history } = setUp();
    await expect(history.execute({ userId: 0, page: { limit: 20, after: null } })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
