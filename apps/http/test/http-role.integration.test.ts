import { loadConfig, PgIdempotencyStore } from '@storefront/adapters';
import { useFreshDatabase } from '@storefront/adapters/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startHttpRole } from '../src/index';

const testDb = useFreshDatabase({ poolSize: 5 });

describe('startHttpRole', () => {
  it('listens, purges idempotency keys older than 24 hours at start, and closes without closing the database', async () => {
    const database = testDb.current;
    const store = new PgIdempotencyStore(database.db);
    const old = { scope: 'user:1', key: 'two-days-old' };
    const fresh = { scope: 'user:1', key: 'an-hour-old' };
    expect(await store.claim(old, 'f', new Date(Date.now() - 48 * 3_600_000))).toEqual({ state: 'claimed' });
    expect(await store.claim(fresh, 'f', new Date(Date.now() - 3_600_000))).toEqual({ state: 'claimed' });

    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET: 'role-test-secret-role-test-secret' }, { dataDir: '/nonexistent' });
    const role = await startHttpRole({ config, database, logger: pino({ level: 'silent' }) });
    try {
      expect((await fetch(`${role.url}/health/ready`)).status).toBe(200);
      // The first purge runs in the background at start.
      let purged = false;
      for (let i = 0; i < 50 && !purged; i++) {
        purged = (await store.claim(old, 'f', new Date())).state === 'claimed';
        if (!purged) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(purged).toBe(true);
      expect((await store.claim(fresh, 'f', new Date())).state).toBe('in-progress');
    } finally {
      await role.close();
    }
    await expect(fetch(`${role.url}/health/live`)).rejects.toThrow();
    await database.ping();
  });
});
