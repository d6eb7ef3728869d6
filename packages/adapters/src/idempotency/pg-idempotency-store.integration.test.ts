import { describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../../test/harness';
import { PgIdempotencyStore } from './pg-idempotency-store';

const testDb = useFreshDatabase();
const store = () => new PgIdempotencyStore(testDb.current.db);
const now = new Date('2025-03-10T03:00:00.000Z');
const response = { status: 201, body: '{"orderId":1}', contentType: 'application/json; charset=utf-8' };

describe('PgIdempotencyStore', () => {
  it('claims a new key, then reports it in progress to the same request', async () => {
    const ref = { scope: 'user:1', key: 'k-1' };
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'claimed' });
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'in-progress' });
  });

  it('replays the stored response once completed, and refuses another request on the same key', async () => {
    const ref = { scope: 'user:1', key: 'k-2' };
    await store().claim(ref, 'fp-a', now);
    await store().complete(ref, response);
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'completed', response });
    expect(await store().claim(ref, 'fp-b', now)).toEqual({ state: 'reused-with-other-request' });
  });

  it('scopes keys to the caller', async () => {
    expect(await store().claim({ scope: 'user:1', key: 'shared' }, 'fp-a', now)).toEqual({ state: 'claimed' });
    expect(await store().claim({ scope: 'user:2', key: 'shared' }, 'fp-b', now)).toEqual({ state: 'claimed' });
  });

  it('frees a released key for a retry, but never a completed one', async () => {
    const ref = { scope: 'user:1', key: 'k-3' };
    await store().claim(ref, 'fp-a', now);
    await store().release(ref);
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'claimed' });
    await store().complete(ref, response);
    await store().release(ref);
    expect(await store().claim(ref, 'fp-a', now)).toEqual({ state: 'completed', response });
  });

  it('lets exactly one of many concurrent claims of a key win', async () => {
    const ref = { scope: 'user:9', key: 'race' };
    const claims = await Promise.all(Array.from({ length: 50 }, () => store().claim(ref, 'fp', now)));
    expect(claims.filter((c) => c.state === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'in-progress')).toHaveLength(49);
  });

  it('purges keys created before a cut-off and answers how many', async () => {
    const old = new Date('2020-01-01T00:00:00.000Z');
    await store().claim({ scope: 'purge', key: 'a' }, 'fp', old);
    await store().claim({ scope: 'purge', key: 'b' }, 'fp', old);
    await store().claim({ scope: 'purge', key: 'c' }, 'fp', now);
    expect(await store().purgeCreatedBefore(new Date('2021-01-01T00:00:00.000Z'))).toBe(2);
    expect(await store().claim({ scope: 'purge', key: 'a' }, 'other', now)).toEqual({ state: 'claimed' });
    expect(await store().claim({ scope: 'purge', key: 'c' }, 'other', now)).toEqual({ state: 'reused-with-other-request' });
  });
});
