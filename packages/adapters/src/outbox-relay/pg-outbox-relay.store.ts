import { sql, type Kysely } from 'kysely';
import type { ClaimedOutboxEvent, OutboxRelayStore, RequeueResult } from '@storefront/application';
import type { DB } from '../db/schema';
import { claimedOutboxRowSchema } from './outbox-event.schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ClaimedRow {
  seq: number;
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

  async claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]> {
    const { rows } = await sql<ClaimedRow>`
      UPDATE outbox
         SET claim_token = gen_random_uuid(),
             lease_until = now() + ${leaseMs} * interval '1 millisecond',
             attempts = attempts + 1
       WHERE seq IN (
               SELECT seq FROM outbox
                WHERE status = 'PENDING'
                  AND next_attempt_at <= now()
                  AND (lease_until IS NULL OR lease_until < now())
                ORDER BY seq
                LIMIT ${limit}
                  FOR UPDATE SKIP LOCKED)
         AND status = 'PENDING'
   RETURNING seq, event_id, type, payload, occurred_at, attempts, claim_token`.execute(this.db);

    const claimed: ClaimedOutboxEvent[] = [];
    for (const row of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
      const parsed = claimedOutboxRowSchema.safeParse(row);
      if (!parsed.success) {
        // Retrying cannot repair a malformed row: park it for an operator instead of letting it
        // come back forever.
        await this.setOutcome(row.claim_token, 'FAILED', `malformed outbox row: ${parsed.error.message}`);
        continue;
      }
      const event = parsed.data;
      claimed.push({
        envelope: { eventId: event.event_id, type: event.type, occurredAt: event.occurred_at.toISOString(), sequence: event.seq, data: event.payload },
        attempt: event.attempts,
        claimToken: event.claim_token,
      });
    }
    return claimed;
  }

  async markDelivered(event: ClaimedOutboxEvent): Promise<void> {
    await this.setOutcome(event.claimToken, 'DELIVERED', null);
  }

  async scheduleRetry(event: ClaimedOutboxEvent, nextAttemptAt: Date, error: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: nextAttemptAt, last_error: truncate(error), claim_token: null, lease_until: null })
      .where('claim_token', '=', event.claimToken)
      .where('status', '=', 'PENDING')
      .execute();
  }

  async park(event: ClaimedOutboxEvent, error: string): Promise<void> {
    await this.setOutcome(event.claimToken, 'FAILED', error);
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

  private async setOutcome(claimToken: string, status: 'DELIVERED' | 'FAILED', error: string | null): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({
        status,
        claim_token: null,
        lease_until: null,
        ...(status === 'DELIVERED' ? { delivered_at: sql<Date>`now()` } : { last_error: truncate(error ?? '') }),
      })
      .where('claim_token', '=', claimToken)
      .where('status', '=', 'PENDING')
      .execute();
  }
}

/** Error texts come from the network; the column keeps enough to diagnose, not a whole page. */
function truncate(text: string): string {
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}
