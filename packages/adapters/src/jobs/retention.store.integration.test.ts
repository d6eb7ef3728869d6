import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeExpiredRecords, type PurgeResult, type RetentionStore } from '@storefront/application';
import { openDatabase } from '../db/database.factory';
import { freshDatabase, type TestDatabase } from '../../test/harness';
import { JobLeases, runUnderLease } from './lease.lock';
import { PgRetentionStore } from './retention.store';

let database: TestDatabase;
let otherInstance: Awaited<ReturnType<typeof openDatabase>>;
const DAY = 86_400_000;
const now = () => ({ now: () => new Date() });

beforeAll(async () => {
  database = await freshDatabase({ poolSize: 6 });
  otherInstance = await openDatabase({ databaseUrl: database.url, poolSize: 4 });
});
afterAll(async () => {
  await otherInstance.close();
  await database.close();
});
beforeEach(async () => {
  await database.db.deleteFrom('outbox').execute();
  await database.db.deleteFrom('idempotency_keys').execute();
  await database.db.deleteFrom('job_leases').execute();
});

/** `count` events of `status`, delivered `ageDays` ago when DELIVERED, each with one logged attempt. */
async function addEvents(count: number, status: 'DELIVERED' | 'PENDING' | 'FAILED', ageDays: number): Promise<void> {
  await sql`
    WITH inserted AS (
      INSERT INTO outbox (type, order_id, payload, occurred_at, status, delivered_at, sequence)
      SELECT 'order.paid', n, json_build_object('orderId', n), now() - ${ageDays} * interval '1 day', ${status},
             CASE WHEN ${status} = 'DELIVERED' THEN now() - ${ageDays} * interval '1 day' END, NULL
        FROM generate_series(1, ${count}) AS n
      RETURNING seq)
    INSERT INTO outbox_attempts (event_seq, attempted_at, outcome, http_status, duration_ms, error)
    SELECT seq, now(), 'DELIVERED', 200, 1, NULL FROM inserted`.execute(database.db);
}

async function counts(): Promise<Record<string, number>> {
  const { rows } = await sql<{ status: string; n: number }>`
    SELECT status, count(*)::int AS n FROM outbox GROUP BY status
    UNION ALL SELECT 'attempts', count(*)::int FROM outbox_attempts
    UNION ALL SELECT 'keys', count(*)::int FROM idempotency_keys`.execute(database.db);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

describe('PgRetentionStore with PurgeExpiredRecords', () => {
  it('purges delivered events past retention (with their delivery logs) and expired keys, in bounded batches', async () => {
    await addEvents(2_500, 'DELIVERED', 100);
    await addEvents(30, 'DELIVERED', 10);
    await addEvents(20, 'PENDING', 200);
    await addEvents(10, 'FAILED', 200);
    await sql`
      INSERT INTO idempotency_keys (scope, key, fingerprint, status, created_at)
      SELECT 'user:1', 'k' || n, 'f', 'COMPLETED', now() - (CASE WHEN n <= 40 THEN 2 ELSE 0 END) * interval '1 day'
        FROM generate_series(1, 50) AS n`.execute(database.db);

    const statements: number[] = [];
    const store = new PgRetentionStore(database.db);
    const counting: RetentionStore = {
      purgeDeliveredEvents: async (before, limit) => {
        const n = await store.purgeDeliveredEvents(before, limit);
        statements.push(n);
        return n;
      },
      purgeIdempotencyKeys: (before, limit) => store.purgeIdempotencyKeys(before, limit),
    };
    const purge = new PurgeExpiredRecords(counting, now(), { eventRetentionMs: 90 * DAY, idempotencyKeyRetentionMs: DAY, batchSize: 1_000, maxBatches: 10 });
    await expect(purge.execute()).resolves.toEqual({ events: 2_500, idempotencyKeys: 40 });
    expect(statements).toEqual([1_000, 1_000, 500]);
    expect(await counts()).toEqual({ DELIVERED: 30, PENDING: 20, FAILED: 10, attempts: 60, keys: 10 });
  });
});

describe('PgRetentionStore on statistics older than the data', () => {
  it('purges at once after a burst of deliveries that the statistics have not seen yet', async () => {
    // Statistics taken while every event was pending, then all of them delivered long ago: a plan
    // that estimates one delivered row must not run the picking subquery once per delivered row.
    await sql`alter table outbox set (autovacuum_enabled = false)`.execute(database.db);
    await sql`alter table idempotency_keys set (autovacuum_enabled = false)`.execute(database.db);
    const quick = await openDatabase({ databaseUrl: database.url, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      await addEvents(20_000, 'PENDING', 0);
      await sql`
        INSERT INTO idempotency_keys (scope, key, fingerprint, status, created_at)
        SELECT 'user:' || n % 100, 'k' || n, 'f', 'COMPLETED', now() FROM generate_series(1, 20000) AS n`.execute(database.db);
      await sql`analyze outbox`.execute(database.db);
      await sql`analyze idempotency_keys`.execute(database.db);
      await sql`update outbox set status = 'DELIVERED', delivered_at = now() - interval '100 days'`.execute(database.db);
      await sql`update idempotency_keys set created_at = now() - interval '2 days'`.execute(database.db);

      const store = new PgRetentionStore(quick.db);
      await expect(store.purgeDeliveredEvents(new Date(Date.now() - 90 * DAY), 1_000)).resolves.toBe(1_000);
      await expect(store.purgeIdempotencyKeys(new Date(Date.now() - DAY), 1_000)).resolves.toBe(1_000);
      expect(await counts()).toEqual({ DELIVERED: 19_000, attempts: 19_000, keys: 19_000 });
    } finally {
      await quick.close();
      await sql`alter table outbox reset (autovacuum_enabled)`.execute(database.db);
      await sql`alter table idempotency_keys reset (autovacuum_enabled)`.execute(database.db);
    }
  });
});

describe('runUnderLease', () => {
  it('lets one scheduler instance purge at a time; the other skips, and takes over once the lease is given back', async () => {
    await addEvents(100, 'DELIVERED', 100);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = runUnderLease(database.db, JobLeases.retention, 60_000, async (): Promise<PurgeResult> => {
      started();
      await released;
      return { events: 0, idempotencyKeys: 0 };
    });
    await running;
    let secondRan = false;
    await expect(
      runUnderLease(otherInstance.db, JobLeases.retention, 60_000, async () => {
        secondRan = true;
      }),
    ).resolves.toEqual({ acquired: false });
    expect(secondRan).toBe(false);
    release();
    await expect(first).resolves.toMatchObject({ acquired: true });
    await expect(runUnderLease(otherInstance.db, JobLeases.retention, 60_000, async () => 'next')).resolves.toEqual({ acquired: true, result: 'next' });
  });

  it('takes over a lease its holder let run out (a dead scheduler), and the job never runs twice at once when instances race', async () => {
    await sql`INSERT INTO job_leases (job, holder, lease_until) VALUES (${JobLeases.retention}, gen_random_uuid(), now() - interval '1 second')`.execute(database.db);
    let concurrent = 0;
    let most = 0;
    const job = async (): Promise<void> => {
      concurrent += 1;
      most = Math.max(most, concurrent);
      await new Promise((resolve) => setTimeout(resolve, 50));
      concurrent -= 1;
    };
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runUnderLease(i % 2 === 0 ? database.db : otherInstance.db, JobLeases.retention, 60_000, job)),
    );
    // Whoever came while the job ran skipped it; one that came after it ended may run it again.
    expect(outcomes.filter((o) => o.acquired).length).toBeGreaterThanOrEqual(1);
    expect(outcomes.filter((o) => !o.acquired).length).toBeGreaterThanOrEqual(1);
    expect(most).toBe(1);
  });
});
