import { sql, type Kysely } from 'kysely';
import type { RetentionStore } from '@storefront/application';
import type { DB } from '../db/database.schema';

/**
 * Retention on PostgreSQL: each call one DELETE of at most `limit` rows, oldest first. It waits
 * for a row another statement holds for a moment (the sequencer, a late relay) rather than skip
 * it, so a run leaves nothing expired behind. An event's delivery log goes with it (on delete
 * cascade).
 */
export class PgRetentionStore implements RetentionStore {
  constructor(private readonly db: Kysely<DB>) {}

  async purgeDeliveredEvents(before: Date, limit: number): Promise<number> {
    const result = await sql`
      DELETE FROM outbox
       WHERE seq IN (SELECT seq FROM outbox
                      WHERE status = 'DELIVERED' AND delivered_at < ${before}
                      ORDER BY delivered_at
                      LIMIT ${limit})
         AND status = 'DELIVERED'`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  async purgeIdempotencyKeys(before: Date, limit: number): Promise<number> {
    const result = await sql`
      DELETE FROM idempotency_keys
       WHERE (scope, key) IN (SELECT scope, key FROM idempotency_keys
                               WHERE created_at < ${before}
                               ORDER BY created_at
                               LIMIT ${limit})`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
