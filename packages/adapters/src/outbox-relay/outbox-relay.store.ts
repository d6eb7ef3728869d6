import { sql, type Kysely } from 'kysely';
import {
  parseOrderEventEnvelope,
  type ClaimedOutboxEvent,
  type OutboxRelayStore,
  type RequeueResult,
  type SettledDelivery,
} from '@storefront/application';
import type { DB } from '../db/database.schema';
import { sequenceCommittedEvents } from './event.sequencer';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ClaimedRow {
  seq: number;
  sequence: number;
  event_id: string;
  type: string;
  payload: unknown;
  occurred_at: Date;
  attempts: number;
  claim_token: string;
}

/**
 * The relay's side of the PostgreSQL outbox. Each method is one statement, outside any
 * transaction of the caller, and every time that matters (leases, due dates of claims,
 * delivery) is the database's `now()`, so relays on machines with skewed clocks agree.
 *
 * A claim is a lease, not a lock held across the network call: `claimDue` stamps the rows with
 * a fresh `claim_token` and `lease_until`, and commits. Other relays skip them until the lease
 * passes, so a relay that dies mid-batch only delays its events. Outcomes are recorded only
 * while the claim is still the row's current one, so a relay that outlived its lease cannot
 * overwrite what a newer claim decided.
 */
export class PgOutboxRelayStore implements OutboxRelayStore {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * One statement. An event is claimable only when no earlier event of its order is undelivered
   * (pending — claimed or not — or parked): delivered is final, so a snapshot that shows the
   * earlier event delivered is the truth, and one that does not only holds the later event back.
   * Events of one order are written by transactions that each lock the order after the previous
   * one committed, so their sequences follow the order they happened. Only numbered events go
   * out (the envelope carries the number): the sequencer runs first.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]> {
    await sequenceCommittedEvents(this.db);
    // The rows are picked once, in a MATERIALIZED CTE, then updated. As `WHERE seq IN (…)` the
    // picking subquery could be re-run for every pending row: after a burst on statistics that
    // saw no pending event, PostgreSQL joined each of 5,000 pending rows to a fresh run of it, and
    // every claim ran into the 30 s statement timeout until the next ANALYZE (minutes of stall).
    // An event goes only once it is the first undelivered one of its order. Asked as NOT EXISTS,
    // an anti-join, the same stale statistics had PostgreSQL scan every undelivered event for
    // each candidate (1.4 s a claim at 19,615 pending; the relay fell minutes behind a bench run).
    // Asked as the order's first undelivered seq, a scalar subquery PostgreSQL never turns into a
    // join, it is one probe of outbox_order_undelivered_idx per candidate (2 ms, same data).
    const { rows } = await sql<ClaimedRow>`
      WITH picked AS MATERIALIZED (
             SELECT c.seq FROM outbox c
              WHERE c.status = 'PENDING'
                AND c.sequence IS NOT NULL
                AND c.next_attempt_at <= now()
                AND (c.lease_until IS NULL OR c.lease_until < now())
                AND c.seq = (
                      SELECT min(earliest.seq) FROM outbox earliest
                       WHERE earliest.order_id = c.order_id
                         AND earliest.status <> 'DELIVERED')
              ORDER BY c.seq
              LIMIT ${limit}
                FOR UPDATE OF c SKIP LOCKED)
      UPDATE outbox o
         SET claim_token = gen_random_uuid(),
             lease_until = now() + ${leaseMs} * interval '1 millisecond',
             attempts = o.attempts + 1
        FROM picked
       WHERE o.seq = picked.seq
         AND o.status = 'PENDING'
   RETURNING o.seq, o.sequence, o.event_id, o.type, o.payload, o.occurred_at, o.attempts, o.claim_token`.execute(this.db);

    const claimed: ClaimedOutboxEvent[] = [];
    for (const row of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
      const candidate = { eventId: row.event_id, type: row.type, occurredAt: row.occurred_at.toISOString(), sequence: Number(row.sequence), data: row.payload };
      let envelope;
      try {
        envelope = parseOrderEventEnvelope(candidate);
      } catch (error) {
        // Retrying cannot repair a malformed row: park it for an operator instead of letting it
        // come back forever.
        await this.db
          .updateTable('outbox')
          .set({ status: 'FAILED', claim_token: null, lease_until: null, last_error: truncate(`malformed outbox row: ${(error as Error).message}`) })
          .where('claim_token', '=', row.claim_token)
          .execute();
        continue;
      }
      claimed.push({ envelope, attempt: Number(row.attempts), claimToken: row.claim_token });
    }
    return claimed;
  }

  /** One statement for a whole pass: the attempts into the log, the outcomes onto current claims. */
  async settle(deliveries: readonly SettledDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const outcomes = JSON.stringify(
      deliveries.map(({ event, attempt, settlement }) => ({
        sequence: event.envelope.sequence,
        claim_token: event.claimToken,
        kind: settlement.kind,
        next_attempt_at: settlement.kind === 'retry' ? settlement.nextAttemptAt.toISOString() : null,
        attempted_at: attempt.at.toISOString(),
        outcome: attempt.outcome,
        http_status: attempt.httpStatus,
        duration_ms: Math.round(attempt.durationMs),
        error: attempt.error === null ? null : truncate(attempt.error),
      })),
    );
    await sql`
      WITH outcome AS (
             SELECT * FROM json_to_recordset(${outcomes}::json) AS v(
               sequence bigint, claim_token uuid, kind text, next_attempt_at timestamptz, attempted_at timestamptz,
               outcome text, http_status int, duration_ms int, error text)),
           logged AS (
             INSERT INTO outbox_attempts (event_seq, attempted_at, outcome, http_status, duration_ms, error)
             SELECT e.seq, v.attempted_at, v.outcome, v.http_status, v.duration_ms, v.error
               FROM outcome v JOIN outbox e ON e.sequence = v.sequence)
      UPDATE outbox o
         SET status = CASE v.kind WHEN 'delivered' THEN 'DELIVERED' WHEN 'park' THEN 'FAILED' ELSE 'PENDING' END,
             delivered_at = CASE WHEN v.kind = 'delivered' THEN now() ELSE o.delivered_at END,
             next_attempt_at = coalesce(v.next_attempt_at, o.next_attempt_at),
             last_error = CASE WHEN v.kind = 'delivered' THEN o.last_error ELSE v.error END,
             claim_token = NULL,
             lease_until = NULL
        FROM outcome v
       WHERE o.claim_token = v.claim_token
         AND o.status = 'PENDING'`.execute(this.db);
  }

  async requeueFailed(eventId: string): Promise<RequeueResult> {
    // Not a uuid: no such event (and no cast error from PostgreSQL).
    if (!UUID.test(eventId)) return 'NOT_FOUND';
    const requeued = await this.db
      .updateTable('outbox')
      .set({ status: 'PENDING', attempts: 0, next_attempt_at: sql<Date>`now()`, claim_token: null, lease_until: null })
      .where('event_id', '=', eventId)
      .where('status', '=', 'FAILED')
      .returning('seq')
      .executeTakeFirst();
    if (requeued) return 'REQUEUED';
    const existing = await this.db.selectFrom('outbox').select('status').where('event_id', '=', eventId).executeTakeFirst();
    return existing ? 'NOT_FAILED' : 'NOT_FOUND';
  }
}

/** Error texts come from the network; the column keeps enough to diagnose, not a whole page. */
function truncate(text: string): string {
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}
