import { loadConfig, PgIdempotencyStore } from '@storefront/adapters';
import { useFreshDatabase } from '@storefront/adapters/testing';
import { sql } from 'kysely';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startHttpRole } from '../src/http.composition';

const testDb = useFreshDatabase({ poolSize: 5 });

/**
 * Waits until the role answers ready. The role sheds load as production does (503 while its
 * event loop lags by more than a second), and inside a test process on a busy machine it may lag
 * just after start-up; a load balancer waits for readiness the same way.
 */
async function readyWithin(url: string, deadlineMs = 30_000): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const { status } = await fetch(`${url}/health/ready`);
    if (status === 200 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('startHttpRole', () => {
  it('listens, leaves idempotency keys to the scheduler purge, and closes without closing the database', async () => {
    const database = testDb.current;
    const store = new PgIdempotencyStore(database.db, 10_000);
    const old = { scope: 'user:1', key: 'two-days-old' };
    const fresh = { scope: 'user:1', key: 'an-hour-old' };
    expect(await store.claim(old, 'f', new Date(Date.now() - 48 * 3_600_000))).toMatchObject({ state: 'claimed' });
    expect(await store.claim(fresh, 'f', new Date(Date.now() - 3_600_000))).toMatchObject({ state: 'claimed' });

    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET: 'role-test-secret-role-test-secret' }, { dataDir: '/nonexistent' });
    const role = await startHttpRole({ config, database, logger: pino({ level: 'silent' }) });
    try {
      expect(await readyWithin(role.url)).toBe(200);
      // Retention belongs to the scheduler role (once across instances): an HTTP instance purges nothing.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await store.claim(old, 'f', new Date())).state).not.toBe('claimed');
      expect((await store.claim(fresh, 'f', new Date())).state).toBe('in-progress');
    } finally {
      await role.close();
    }
    await expect(fetch(`${role.url}/health/live`)).rejects.toThrow();
    await database.ping();
  });

  it('on close, stops accepting but finishes the request in flight', async () => {
    const database = testDb.current;
    const secret = 'role-test-secret-role-test-secret';
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET: secret }, { dataDir: '/nonexistent' });
    const role = await startHttpRole({ config, database, logger: pino({ level: 'silent' }) });
    expect(await readyWithin(role.url)).toBe(200);
    const jwt = await new SignJWT({ sub: '42' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    const chargeOnce = () =>
      fetch(`${role.url}/users/42/balance/charge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 10 }),
      });
    expect((await chargeOnce()).status).toBe(200);

    // Hold the wallet's row lock so that the next charge is in flight when close() is called.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = database.db.transaction().execute(async (trx) => {
      await sql`select balance from wallets where user_id = 42 for update`.execute(trx);
      locked();
      await held;
    });
    await isLocked;

    const inFlight = chargeOnce();
    await new Promise((resolve) => setTimeout(resolve, 200));
    let closed = false;
    const closing = role.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);
    release();
    await holder;
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { balance: number }).balance).toBe(20);
    await closing;
    expect(closed).toBe(true);
  });
});

