import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, migrateToLatest, migrations, openDatabase, runUnderAdvisoryLock, type Database } from '@storefront/adapters';
import { freshDatabaseUrl, freshEmptyDatabaseUrl, startPgBouncer, type FreshDatabaseRef, type PgBouncer } from '@storefront/adapters/testing';
import { ManualClock } from '@storefront/application/testing';
import { startSchedulerRole } from '../src/scheduler.composition';
import { DataPlatformReceiver } from './support/data-platform-receiver';
import { recordingLogger } from './support/recording-logger';
import { SECRET } from './support/relay';
import { TestShop } from './support/shop';
import { waitUntil } from './support/wait';

/*
 * The scheduler's use of PostgreSQL through a real PgBouncer in transaction mode: migrations,
 * the 00:00 job's lock, the relay and the catch-up. Behind it a client's statements may run on
 * any server connection, so a session-level lock would be taken on one and "released" on another
 * and leak: after each test no advisory lock may remain on the server.
 */

const KEY = 515_151;
let bouncer: PgBouncer;
let ref: FreshDatabaseRef;
/** Two scheduler instances' pools, both through PgBouncer. */
let first: Database;
let second: Database;
/** A direct connection, to look at the server's locks. */
let direct: Database;

beforeAll(async () => {
  ref = await freshDatabaseUrl();
  bouncer = await startPgBouncer(ref.url, { poolSize: 3 });
  first = await openDatabase({ databaseUrl: bouncer.urlFor(ref.url), poolSize: 5 });
  second = await openDatabase({ databaseUrl: bouncer.urlFor(ref.url), poolSize: 5 });
  direct = await openDatabase({ databaseUrl: ref.url, poolSize: 1 });
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close(), direct?.close()]);
  await bouncer?.stop();
  await ref?.drop();
});

async function advisoryLocksHeld(): Promise<number> {
  const { rows } = await sql<{ held: number }>`
    select count(*)::int as held from pg_locks
    where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`.execute(direct.db);
  return rows[0]?.held ?? -1;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('through PgBouncer in transaction mode', () => {
  it('two migrators at once migrate an empty database once, and leave no lock behind', async () => {
    const empty = await freshEmptyDatabaseUrl();
    const a = await openDatabase({ databaseUrl: bouncer.urlFor(empty.url), poolSize: 2 });
    const b = await openDatabase({ databaseUrl: bouncer.urlFor(empty.url), poolSize: 2 });
    try {
      const [byA, byB] = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
      expect([...byA, ...byB]).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(b.db)).toEqual([]);
      const { rows } = await sql<{ held: number }>`select count(*)::int as held from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`.execute(a.db);
      expect(rows[0]?.held).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await empty.drop();
    }
  });

  it("the 00:00 job's lock: one instance runs, the other skips, and a failed run frees it", async () => {
    const release = deferred();
    const started = deferred();
    const holder = runUnderAdvisoryLock(first.db, KEY, async () => {
      started.resolve();
      // The job's own statements run on other connections while the lock is held.
      await first.db.selectFrom('outbox').select('seq').execute();
      await release.promise;
      return 'first';
    });
    await started.promise;
    expect(await advisoryLocksHeld()).toBe(1);
    await expect(runUnderAdvisoryLock(second.db, KEY, async () => 'second')).resolves.toEqual({ acquired: false });
    release.resolve();
    await expect(holder).resolves.toEqual({ acquired: true, result: 'first' });
    expect(await advisoryLocksHeld()).toBe(0);

    await expect(
      runUnderAdvisoryLock(second.db, KEY, async () => {
        throw new Error('job failed');
      }),
    ).rejects.toThrow('job failed');
    expect(await advisoryLocksHeld()).toBe(0);
    await expect(runUnderAdvisoryLock(first.db, KEY, async () => 'free again')).resolves.toEqual({ acquired: true, result: 'free again' });
  });

  it('two scheduler roles relay every event once each and aggregate every day once', async () => {
    const receiver = await DataPlatformReceiver.start(SECRET);
    const shop = new TestShop(first, new ManualClock('2026-11-20T12:00:00+09:00'));
    const [productId] = await shop.addProducts([1_500]);
    const buyers = Array.from({ length: 30 }, (_, i) => i + 1);
    await shop.fund(buyers);
    await Promise.all(buyers.map((userId) => shop.order(userId, [{ productId: productId!, quantity: 1 }])));

    const config = loadConfig(
      { TZ_BUSINESS: 'Asia/Seoul', DATA_PLATFORM_URL: receiver.url, DATA_PLATFORM_SECRET: SECRET, DATABASE_URL: bouncer.urlFor(ref.url) },
      { dataDir: '/nonexistent' },
    );
    const clock = new ManualClock('2026-11-22T09:00:00+09:00');
    const loggers = [recordingLogger(), recordingLogger()];
    const roles = [first, second].map((database, i) =>
      startSchedulerRole({ config, database, logger: loggers[i]!, clock, maxCatchUpDays: 5, pollIntervalMs: 20 }),
    );
    try {
      await waitUntil('all 30 events are delivered', () => receiver.accepted.size === 30, 30_000);
      await waitUntil('one instance has aggregated the missed days', () =>
        loggers.some((logger) => logger.entries.some((e) => e.message === 'daily sales aggregated')),
      );
    } finally {
      await Promise.all(roles.map((role) => role.close()));
      await receiver.close();
    }
    expect(receiver.rejected).toEqual([]);
    const stats = await direct.db.selectFrom('daily_product_sales').selectAll().execute();
    expect(stats).toEqual([{ day: '2026-11-20', product_id: productId, quantity: 30, revenue: 45_000 }]);
    const { rows } = await sql<{ status: string; n: number }>`select status, count(*)::int as n from outbox group by status`.execute(direct.db);
    expect(rows).toEqual([{ status: 'DELIVERED', n: 30 }]);
    expect(await advisoryLocksHeld()).toBe(0);
    for (const logger of loggers) expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
