import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

/** Events numbered per run at most; the next run numbers the rest. */
const MAX_PER_RUN = 5_000;

/**
 * Gives committed events their public `sequence`, lowest `seq` first, each above every number
 * given before; answers how many it numbered. One statement, so one round trip and no session
 * state (fine behind PgBouncer in transaction mode):
 *
 * - it sees only committed events (an event still being written gets a number on a later run);
 * - runs are serialised by the lock on the one `outbox_sequencer` row, and a run that waited
 *   for another re-reads that row (READ COMMITTED re-evaluates an UPDATE on the newest
 *   version), so it continues above the other's numbers;
 * - an event the other run numbered meanwhile is left alone (`sequence IS NULL` is checked again
 *   on the newest row version); its number in this run's count becomes a gap, which is allowed.
 *
 * So a reader of the feed can never see a number and later find a lower one appear. With nothing
 * to number it writes nothing and takes no lock.
 */
export async function sequenceCommittedEvents(db: Kysely<DB>): Promise<number> {
  const result = await sql`
    WITH pending AS (
           SELECT seq, row_number() OVER (ORDER BY seq) AS n
             FROM outbox
            WHERE sequence IS NULL
            ORDER BY seq
            LIMIT ${MAX_PER_RUN}),
         counter AS (
           UPDATE outbox_sequencer
              SET last_sequence = last_sequence + (SELECT count(*) FROM pending)
            WHERE id = 1 AND EXISTS (SELECT 1 FROM pending)
        RETURNING last_sequence - (SELECT count(*) FROM pending) AS base)
    UPDATE outbox o
       SET sequence = counter.base + pending.n
      FROM pending, counter
     WHERE o.seq = pending.seq
       AND o.sequence IS NULL`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
