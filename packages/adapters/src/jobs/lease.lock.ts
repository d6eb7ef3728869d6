import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import type { LockedRun } from './advisory.lock';

/** Names of the jobs that hold a lease row while they run (table `job_leases`). */
export const JobLeases = {
  /** The scheduler's purge of delivered events and expired idempotency keys. */
  retention: 'retention-purge',
} as const;

/**
 * Runs `job` only if this process takes the job's lease: one row per job in `job_leases`, taken
 * by one conditional upsert when free or when its lease has run out, and given back after the
 * run. Another instance holding it means the job is being done, so this one skips. Each step is
 * a single statement — no session state, no lock held across statements — so it works behind
 * PgBouncer in transaction mode and on PGlite alike; a holder that dies mid-run only keeps
 * the job from others until `leaseMs` has passed, so `job` must finish well within it.
 */
export async function runUnderLease<T>(db: Kysely<DB>, job: string, leaseMs: number, run: () => Promise<T>): Promise<LockedRun<T>> {
  const holder = randomUUID();
  const { rows } = await sql<{ holder: string }>`
    INSERT INTO job_leases (job, holder, lease_until)
    VALUES (${job}, ${holder}, now() + ${leaseMs} * interval '1 millisecond')
    ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
     WHERE job_leases.lease_until < now()
    RETURNING holder`.execute(db);
  if (rows[0]?.holder !== holder) return { acquired: false };
  try {
    return { acquired: true, result: await run() };
  } finally {
    await db.deleteFrom('job_leases').where('job', '=', job).where('holder', '=', holder).execute();
  }
}
