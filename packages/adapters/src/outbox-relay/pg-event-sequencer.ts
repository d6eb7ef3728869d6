import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** The sequencer's transaction-scoped advisory lock: one sequencer at a time, across processes. */
const SEQUENCER_LOCK = 7_301_050_015;
/** Events numbered per run at most; the next run numbers the rest. */
const MAX_PER_RUN = 5_000;

/**
 * Gives committed events their public `sequence`, lowest `seq` first, each above every number
 * given before; answers how many it numbered. One short transaction under a transaction-scoped
 * advisory lock (so it also works behind PgBouncer in transaction mode): a second sequencer
 * meanwhile skips rather than waits. Its statement reads after the lock is taken, so it sees
 * everything the previous run committed and continues its numbering; an event still being
 * written is invisible to it and gets a higher number on a later run. A reader of the feed can
 * therefore never see a number and later find a lower one appear.
 */
export async function sequenceCommittedEvents(db: Kysely<DB>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${SEQUENCER_LOCK}::bigint) AS locked`.execute(trx);
    if (rows[0]?.locked !== true) return 0;
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
              WHERE id = 1
          RETURNING last_sequence - (SELECT count(*) FROM pending) AS base)
      UPDATE outbox o
         SET sequence = counter.base + pending.n
        FROM pending, counter
       WHERE o.seq = pending.seq`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}
