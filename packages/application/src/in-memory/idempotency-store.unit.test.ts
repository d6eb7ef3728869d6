import { describe, expect, it } from 'vitest';
import type { StoredResponse } from '../ports';
import { createInMemoryStorefront } from './storefront';

const ref = { scope: 'user:1', key: 'charge-0001' };
const response: StoredResponse = { status: 200, body: '{"balance":5000}', contentType: 'application/json' };

function setUp() {
  const store = createInMemoryStorefront();
  return { store, keys: store.idempotencyStore, now: store.clock.now() };
}

describe('InMemoryIdempotencyStore', () => {
  it('claims a new key, then answers in-progress for the same request until it completes', async () => {
    const { keys, now } = setUp();
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'claimed' });
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'in-progress' });
    await keys.complete(ref, response);
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'completed', response });
  });

  it('answers reused-with-other-request for the same key with another request, running or done', async () => {
    const { keys, now } = setUp();
    await keys.claim(ref, 'fp-a', now);
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'reused-with-other-request' });
    await keys.complete(ref, response);
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'reused-with-other-request' });
  });

  it('scopes keys to the caller', async () => {
    const { keys, now } = setUp();
    await keys.claim(ref, 'fp-a', now);
    await expect(keys.claim({ ...ref, scope: 'user:2' }, 'fp-b', now)).resolves.toEqual({ state: 'claimed' });
  });

  it('lets a released key be claimed again, but never releases a completed one', async () => {
    const { keys, now } = setUp();
    await keys.claim(ref, 'fp-a', now);
    await keys.release(ref);
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'claimed' });
    await keys.complete(ref, response);
    await keys.release(ref);
    await expect(keys.claim(ref, 'fp-b', now)).resolves.toEqual({ state: 'completed', response });
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
    await expect(keys.claim({ scope: 'a', key: '1' }, 'y', now)).resolves.toEqual({ state: 'claimed' });
    await expect(keys.claim({ scope: 'a', key: '3' }, 'y', now)).resolves.toEqual({ state: 'reused-with-other-request' });
  });

  it('hands out copies: a caller changing a replayed response changes nothing stored', async () => {
    const { keys, now } = setUp();
    await keys.claim(ref, 'fp-a', now);
    await keys.complete(ref, { ...response });
    const first = await keys.claim(ref, 'fp-a', now);
    if (first.state === 'completed') first.response.body = 'tampered';
    await expect(keys.claim(ref, 'fp-a', now)).resolves.toEqual({ state: 'completed', response });
  });
});
