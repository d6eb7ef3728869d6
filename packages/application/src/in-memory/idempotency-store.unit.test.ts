import { describe, expect, it } from 'vitest';
import type { HeldClaim, IdempotencyClaim, StoredResponse } from '../ports';
import { IdempotencyClaimLostError, KeyCompletingUnitOfWork } from '../support/key-completing-unit-of-work';
import { createInMemoryStorefront } from './storefront';

const ref = { scope: 'user:1', key: 'charge-0001' };
const response: StoredResponse = { status: 200, body: '{"balance":5000}', contentType: 'application/json' };
const LEASE_MS = 2_000;

function setUp() {
  const store = createInMemoryStorefront({ idempotencyLeaseMs: LEASE_MS });
  return { store, keys: store.idempotencyStore, now: store.clock.now() };
}

function held(claim: IdempotencyClaim): HeldClaim {
  if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`);
  return claim.claim;
}

describe('InMemoryIdempotencyStore', () => {
  it('claims a new key, then answers in-progress for the same request until it completes', async () => {
    const { keys, now } = setUp();
    const claim = held(await keys.claim(ref, 'fp-a', now));
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'in-progress' });
    await expect(keys.complete(claim, response)).resolves.toBe(true);
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'completed', response });
  });

  it('answers reused-with-other-request for the same key with another request, running or done', async () => {
    const { keys, now } = setUp();
    const claim = held(await keys.claim(ref, 'fp-a', now));
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'reused-with-other-request' });
    await keys.complete(claim, response);
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'reused-with-other-request' });
  });

  it('scopes keys to the caller', async () => {
    const { keys, now } = setUp();
    await keys.claim(ref, 'fp-a', now);
    await expect(keys.claim({ ...ref, scope: 'user:2' }, 'fp-b', now)).resolves.toMatchObject({ state: 'claimed' });
  });

  it('lets a released key be claimed again, but never releases a completed one', async () => {
    const { keys, now } = setUp();
    await keys.release(held(await keys.claim(ref, 'fp-a', now)));
    const again = held(await keys.claim(ref, 'fp-b', now));
    await keys.complete(again, response);
    await keys.release(again);
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'completed', response });
  });

  it('lets a retry take over a key whose claimant stopped holding it after the lease; the old claim can no longer complete or release it', async () => {
    const { store, keys, now } = setUp();
    const first = held(await keys.claim(ref, 'fp-a', now));
    store.clock.advanceBy(LEASE_MS - 1);
    await expect(keys.claim(ref, 'fp-a', store.clock.now())).resolves.toEqual({ state: 'in-progress' });
    store.clock.advanceBy(2);
    const second = held(await keys.claim(ref, 'fp-a', store.clock.now()));
    expect(second.token).not.toBe(first.token);
    await expect(keys.complete(first, response)).resolves.toBe(false);
    await keys.release(first);
    await expect(keys.claim(ref, 'fp-a', store.clock.now())).resolves.toEqual({ state: 'in-progress' });
    await expect(keys.complete(second, response)).resolves.toBe(true);
  });

  it('exactly one of many concurrent claims of one key wins', async () => {
    const { keys, now } = setUp();
    const claims = await Promise.all(Array.from({ length: 100 }, () => keys.claim(ref, 'fp-a', now)));
    expect(claims.filter((c) => c.state === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'in-progress')).toHaveLength(99);
  });

  it('purges keys created before a date and answers how many', async () => {
    const { keys, now } = setUp();
    const earlier = new Date(now.getTime() - 25 * 3_600_000);
    await keys.claim({ scope: 'a', key: '1' }, 'x', earlier);
    await keys.claim({ scope: 'a', key: '2' }, 'x', earlier);
    await keys.claim({ scope: 'a', key: '3' }, 'x', now);
    await expect(keys.purgeCreatedBefore(new Date(now.getTime() - 24 * 3_600_000))).resolves.toBe(2);
    await expect(keys.claim({ scope: 'a', key: '1' }, 'y', now)).resolves.toMatchObject({ state: 'claimed' });
    await expect(keys.claim({ scope: 'a', key: '3' }, 'y', now)).resolves.toEqual({ state: 'reused-with-other-request' });
  });

  it('hands out copies: a caller changing a replayed response changes nothing stored', async () => {
    const { keys, now } = setUp();
    await keys.complete(held(await keys.claim(ref, 'fp-a', now)), { ...response });
    const first = await keys.claim(ref, 'fp-a', now);
    if (first.state === 'completed') first.response.body = 'tampered';
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'completed', response });
  });
});

describe('KeyCompletingUnitOfWork on the in-memory unit of work', () => {
  it('commits the effect and the stored response together', async () => {
    const { store, keys, now } = setUp();
    const claim = held(await keys.claim(ref, 'fp', now));
    const transactions = new KeyCompletingUnitOfWork(store.transactions, claim, (result) => ({ ...response, body: JSON.stringify(result) }));
    const result = await transactions.run(async (tx) => {
      const wallet = await tx.wallets.lockForUser(1, now);
      return { userId: wallet.userId };
    });
    expect(transactions.committed).toEqual({ result, response: { ...response, body: '{"userId":1}' } });
    await expect(keys.claim(ref, 'fp', now)).resolves.toEqual({ state: 'completed', response: { ...response, body: '{"userId":1}' } });
  });

  it('rolls the effect back when another retry took the key over, and refuses a second unit of work', async () => {
    const { store, keys, now } = setUp();
    const slow = held(await keys.claim(ref, 'fp', now));
    store.clock.advanceBy(LEASE_MS + 1);
    const takeover = held(await keys.claim(ref, 'fp', store.clock.now()));
    const before = store.state.snapshot();
    const lost = new KeyCompletingUnitOfWork(store.transactions, slow, () => response);
    await expect(lost.run((tx) => tx.wallets.lockForUser(7, now))).rejects.toBeInstanceOf(IdempotencyClaimLostError);
    expect(store.state.snapshot()).toEqual(before);
    expect(lost.committed).toBeNull();

    const winner = new KeyCompletingUnitOfWork(store.transactions, takeover, () => response);
    await winner.run((tx) => tx.wallets.lockForUser(7, now));
    await expect(winner.run((tx) => tx.wallets.lockForUser(8, now))).rejects.toThrow(/one unit of work/);
  });
});
