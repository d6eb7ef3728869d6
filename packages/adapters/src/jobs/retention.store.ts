import { sql, type Kysely } from 'kysely';
import type { RetentionStore } from '@storefront/application';
import type { DB } from '../db/database.schema';

/**
 * Retention on PostgreSQL: each call one DELETE of at most `limit` rows, oldest first. It waits
 * for a row another statement holds for a moment (the sequencer, a late relay) rather than skip
 * it, so a run leaves nothing expired behind. An event's delivery log goes with it (on delete
 * cascade).
 *
 * The rows are picked once, in a MATERIALIZED CTE, then deleted by their key (as the relay's
 * claim does). As `WHERE seq IN (SELECT … LIMIT n) AND status = 'DELIVERED'` on statistics taken
 * before a burst of deliveries (autovacuum behind, or off), PostgreSQL estimated one delivered row,
 * walked every delivered row by status and re-ran the picking subquery for each: a purge of 1,000
 * of 20,000 events ran into a 5 s statement timeout. The CTE locks what it picks (FOR UPDATE, which
 * waits for a row held a moment and re-checks it is still delivered and expired), so the DELETE
 * joins on the key alone: one index probe per picked row, whatever the statistics say.
 */
export class PgRetentionStore implements RetentionStore {
  constructor(private readonly db: Kysely<DB>) {}

  async purgeDeliveredEvents(before: Date, limit: number): Promise<number> {
    const result = await sql`
      WITH picked AS MATERIALIZED (
             SELECT seq FROM outbox
              WHERE status = 'DELIVERED' AND delivered_at < ${before}
              ORDER BY delivered_at
              LIMIT ${limit}
                FOR UPDATE)
      DELETE FROM outbox o
       USING picked
       WHERE o.seq = picked.seq`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  async purgeIdempotencyKeys(before: Date, limit: number): Promise<number> {
    const result = await sql`
      WITH picked AS MATERIALIZED (
             SELECT scope, key FROM idempotency_keys
              WHERE created_at < ${before}
              ORDER BY created_at
              LIMIT ${limit}
                FOR UPDATE)
      DELETE FROM idempotency_keys k
       USING picked
       WHERE k.scope = picked.scope
         AND k.key = picked.key`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
