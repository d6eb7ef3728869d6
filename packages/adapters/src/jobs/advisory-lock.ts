import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** Advisory lock keys of the jobs that must run once across every scheduler instance. */
export const JobLockKeys = {
  /** The 00:00 sales aggregation and its catch-up. */
  dailySalesAggregation: 7_301_050_001,
} as const;

export type LockedRun<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Runs `job` only if this process wins PostgreSQL's session advisory lock `key`; another
 * instance holding it means the job is already being done, so this one skips (no waiting,
 * no queue of late runs).
 *
 * On PostgreSQL the lock lives on a connection taken from the pool for the whole run and
 * given back after the unlock; `job` does its work on other connections of the pool. PGlite
 * has a single connection (Kysely serialises its use), so holding it would block `job`
 * itself: there the lock is taken and released with single statements on that one session.
 * Only one process can open a PGlite directory, so that session is the only contender anyway.
 */
export async function runUnderAdvisoryLock<T>(db: Kysely<DB>, key: number, job: () => Promise<T>): Promise<LockedRun<T>> {
  if (!db.getExecutor().adapter.supportsMultipleConnections) {
    if (!(await tryLock(db, key))) return { acquired: false };
    try {
      return { acquired: true, result: await job() };
    } finally {
      await unlock(db, key);
    }
  }
  return db.connection().execute(async (connection) => {
    if (!(await tryLock(connection, key))) return { acquired: false };
    try {
      return { acquired: true, result: await job() };
    } finally {
      await unlock(connection, key);
    }
  });
}

async function tryLock(db: Kysely<DB>, key: number): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}::bigint) AS locked`.execute(db);
  return rows[0]?.locked === true;
}

async function unlock(db: Kysely<DB>, key: number): Promise<void> {
  await sql`SELECT pg_advisory_unlock(${key}::bigint)`.execute(db);
}
