/* eslint-disable @typescript-eslint/no-unsafe-assignment -- expect.any matchers are typed any */
import { IdempotencyClaimLostError, KeyCompletingUnitOfWork, type HeldClaim, type IdempotencyClaim } from '@storefront/application';
import { Money } from '@storefront/domain';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../../test/harness';
import { KyselyUnitOfWork } from '../unit-of-work/kysely.unit-of-work';
import { PgIdempotencyStore } from './idempotency.store';

const testDb = useFreshDatabase();
const LEASE_MS = 400;
const store = () => new PgIdempotencyStore(testDb.current.db, LEASE_MS);
const now = new Date('2025-03-10T03:00:00.000Z');
const response = { status: 201, body: '{"orderId":1}', contentType: 'application/json; charset=utf-8' };

function held(claim: IdempotencyClaim): HeldClaim {
  if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`);
  return claim.claim;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PgIdempotencyStore', () => {
  it('claims a new key, then reports it in progress to the same request', async () => {
    const ref = { scope: 'user:1', key: 'k-1' };
    expect(await store().claim(ref, 'fp-a', now)).toMatchObject({ state: 'claimed', claim: { ...ref, token: expect.any(String) } });
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'in-progress' });
  });

  it('replays the stored response once completed, and refuses another request on the same key', async () => {
    const ref = { scope: 'user:1', key: 'k-2' };
    expect(await store().complete(held(await store().claim(ref, 'fp-a', now)), response)).toBe(true);
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'completed', response });
    expect(await store().claim(ref, 'fp-b', now)).toEqual({ state: 'reused-with-other-request' });
  });

  it('scopes keys to the caller', async () => {
    expect(await store().claim({ scope: 'user:1', key: 'shared' }, 'fp-a', now)).toMatchObject({ state: 'claimed' });
    expect(await store().claim({ scope: 'user:2', key: 'shared' }, 'fp-b', now)).toMatchObject({ state: 'claimed' });
  });

  it('frees a released key for a retry, but never a completed one', async () => {
    const ref = { scope: 'user:1', key: 'k-3' };
    await store().release(held(await store().claim(ref, 'fp-a', now)));
    const again = held(await store().claim(ref, 'fp-a', now));
    await store().complete(again, response);
    await store().release(again);
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'completed', response });
  });

  it('lets a retry take over a key after its lease, never before; the old claim can then neither complete nor release it', async () => {
    const ref = { scope: 'user:1', key: 'k-lease' };
    const first = held(await store().claim(ref, 'fp-a', now));
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'in-progress' });
    expect(await store().claim(ref, 'fp-b', now)).toEqual({ state: 'reused-with-other-request' });
    await pause(LEASE_MS + 100);
    const second = held(await store().claim(ref, 'fp-a', now));
    expect(second.token).not.toBe(first.token);
    expect(await store().complete(first, response)).toBe(false);
    await store().release(first);
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'in-progress' });
    expect(await store().complete(second, response)).toBe(true);
  });

  it('takes over at once a key left in progress by the release before leases', async () => {
    const ref = { scope: 'user:1', key: 'legacy' };
    await testDb.current.db
      .insertInto('idempotency_keys')
      .values({ ...ref, fingerprint: 'fp', status: 'IN_PROGRESS', created_at: now, claim_token: null, lease_until: null })
      .execute();
    expect(await store().claim(ref, 'fp', now)).toMatchObject({ state: 'claimed' });
  });

  it('lets exactly one of many concurrent claims of a key win, also of a key whose lease ran out', async () => {
    // A lease far longer than the race, however slow the machine: a 400 ms one could run out
    // again while 50 claims were still arriving, and let a second takeover in.
    const patient = new PgIdempotencyStore(testDb.current.db, 600_000);
    const ref = { scope: 'user:9', key: 'race' };
    const claims = await Promise.all(Array.from({ length: 50 }, () => patient.claim(ref, 'fp', now)));
    expect(claims.filter((c) => c.state === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'in-progress')).toHaveLength(49);
    // The winner's lease runs out (moved into the past rather than waited for).
    await sql`update idempotency_keys set lease_until = clock_timestamp() - interval '1 second' where scope = ${ref.scope} and key = ${ref.key}`.execute(testDb.current.db);
    const takeovers = await Promise.all(Array.from({ length: 50 }, () => patient.claim(ref, 'fp', now)));
    expect(takeovers.filter((c) => c.state === 'claimed')).toHaveLength(1);
  });

  it('purges keys created before a cut-off and answers how many', async () => {
    const old = new Date('2020-01-01T00:00:00.000Z');
    await store().claim({ scope: 'purge', key: 'a' }, 'fp', old);
    await store().claim({ scope: 'purge', key: 'b' }, 'fp', old);
    await store().claim({ scope: 'purge', key: 'c' }, 'fp', now);
    expect(await store().purgeCreatedBefore(new Date('2021-01-01T00:00:00.000Z'))).toBe(2);
    expect(await store().claim({ scope: 'purge', key: 'a' }, 'other', now)).toMatchObject({ state: 'claimed' });
    expect(await store().claim({ scope: 'purge', key: 'c' }, 'other', now)).toEqual({ state: 'reused-with-other-request' });
  });
});

describe('KeyCompletingUnitOfWork on PostgreSQL', () => {
  const balanceOf = async (userId: number) =>
    (await testDb.current.db.selectFrom('wallets').select('balance').where('user_id', '=', userId).executeTakeFirst())?.balance ?? 0;
  const chargeOne = (userId: number) => async (tx: Parameters<Parameters<KyselyUnitOfWork['run']>[0]>[0]) => {
    const { wallet, transactionId } = await tx.wallets.lockForCharge(userId);
    await tx.wallets.addCharge(wallet.charge(Money.of(1), Money.of(1_000_000), now), Money.of(1_000_000), transactionId);
    return wallet.balance;
  };

  it('commits the response with the effect; a lost claim rolls the effect back', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db);
    const ref = { scope: 'user:31', key: 'atomic' };
    const slow = held(await store().claim(ref, 'fp', now));
    await pause(LEASE_MS + 100);
    const takeover = held(await store().claim(ref, 'fp', now));

    const lost = new KeyCompletingUnitOfWork(uow, slow, () => response);
    await expect(lost.run(chargeOne(31))).rejects.toBeInstanceOf(IdempotencyClaimLostError);
    expect(await balanceOf(31)).toBe(0);

    const winner = new KeyCompletingUnitOfWork(uow, takeover, (balance) => ({ ...response, body: JSON.stringify({ balance }) }));
    await winner.run(chargeOne(31));
    expect(await balanceOf(31)).toBe(1);
    expect(await store().claim(ref, 'fp', now)).toEqual({ state: 'completed', response: { ...response, body: '{"balance":1}' } });
  });
});
