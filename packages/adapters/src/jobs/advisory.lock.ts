import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

/** Advisory lock keys of the jobs that must run once across every scheduler instance. */
export const JobLockKeys = {
  /** The 00:00 sales aggregation and its catch-up. */
  dailySalesAggregation: 7_301_050_001,
} as const;

export type LockedRun<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Runs `job` only if this process wins the advisory lock `key`; another instance holding it
 * means the job is already being done, so this one skips (no waiting, no queue of late runs).
 *
 * On PostgreSQL the lock is transaction-scoped (`pg_try_advisory_xact_lock`): a transaction on
 * one pooled connection takes it and stays open, idle, while `job` works on other connections,
 * and its end releases it — a commit after the job, a rollback if the job fails or the process
 * dies. Nothing lives in the session, so it holds behind PgBouncer in transaction mode, where a
 * session lock could be taken on one server connection and released on another.
 *
 * PGlite has a single connection (Kysely serialises its use), so an open transaction would block
 * `job` itself: there the lock is a session lock taken and released with single statements. Only
 * one process can open a PGlite directory, so that session is the only contender anyway.
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
  return db.transaction().execute(async (trx): Promise<LockedRun<T>> => {
    // The holder idles while the job runs: exempt this transaction (only) from the idle timeout.
    await sql`set local idle_in_transaction_session_timeout = 0`.execute(trx);
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${key}::bigint) as locked`.execute(trx);
    if (rows[0]?.locked !== true) return { acquired: false };
    return { acquired: true, result: await job() };
  });
}

async function tryLock(db: Kysely<DB>, key: number): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}::bigint) AS locked`.execute(db);
  return rows[0]?.locked === true;
}

async function unlock(db: Kysely<DB>, key: number): Promise<void> {
  await sql`SELECT pg_advisory_unlock(${key}::bigint)`.execute(db);
}
