import type { Kysely } from 'kysely';
import type {
  EventFeedPage,
  OrderEventEnvelope,
  OrderEventType,
  OutboxEventDetail,
  OutboxEventView,
  OutboxQueries,
  OutboxStatus,
  Page,
  PageRequest,
} from '@storefront/application';
import type { DB } from '../db/database.schema';
import { sequenceCommittedEvents } from './event.sequencer';
import { UUID } from './outbox-relay.store';

interface FeedRow {
  sequence: number;
  event_id: string;
  type: OrderEventType;
  occurred_at: Date;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  delivered_at: Date | null;
}

const envelopeOf = (row: { sequence: number | null; event_id: string; type: string; occurred_at: Date; payload: unknown }): OrderEventEnvelope =>
  // An event not numbered yet (just committed) shows sequence 0 on the admin pages.
  ({ eventId: row.event_id, type: row.type, occurredAt: row.occurred_at.toISOString(), sequence: Number(row.sequence ?? 0), data: row.payload }) as OrderEventEnvelope;

/** The outbox as operators and the data team see it: `GET /admin/outbox`, `/admin/outbox/{id}`, `/admin/events`. */
export class PgOutboxQueries implements OutboxQueries {
  constructor(private readonly db: Kysely<DB>) {}

  /** Newest first, like every other list of the API: the page key is the row's `seq`. */
  async events(status: OutboxStatus, page: PageRequest): Promise<Page<OutboxEventView>> {
    let query = this.db
      .selectFrom('outbox')
      .select(['seq', 'event_id', 'type', 'status', 'attempts', 'next_attempt_at', 'last_error', 'created_at', 'delivered_at'])
      .where('status', '=', status)
      .orderBy('seq', 'desc')
      .limit(page.limit + 1);
    if (page.after !== null) query = query.where('seq', '<', page.after);
    const rows = await query.execute();
    const items = rows.slice(0, page.limit);
    return {
      items: items.map((row) => ({
        eventId: row.event_id,
        type: row.type,
        status: row.status,
        attempts: row.attempts,
        // Only a pending event has a next attempt; a delivered or parked one keeps the stale date.
        nextAttemptAt: row.status === 'PENDING' ? row.next_attempt_at : null,
        lastError: row.last_error,
        createdAt: row.created_at,
        deliveredAt: row.delivered_at,
      })),
      nextAfter: rows.length > page.limit ? Number(items[items.length - 1]!.seq) : null,
    };
  }

  async event(eventId: string): Promise<OutboxEventDetail | null> {
    if (!UUID.test(eventId)) return null;
    const row = await this.db.selectFrom('outbox').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!row) return null;
    const attempts = await this.db
      .selectFrom('outbox_attempts')
      .select(['attempted_at', 'outcome', 'http_status', 'duration_ms', 'error'])
      .where('event_seq', '=', row.seq)
      .orderBy('id')
      .execute();
    return {
      envelope: envelopeOf(row),
      status: row.status,
      attempts: attempts.map((a) => ({ at: a.attempted_at, outcome: a.outcome, httpStatus: a.http_status, durationMs: a.duration_ms, error: a.error })),
      nextAttemptAt: row.status === 'PENDING' ? row.next_attempt_at : null,
      lastError: row.last_error,
      createdAt: row.created_at,
      deliveredAt: row.delivered_at,
    };
  }

  /**
   * The replay feed, by the public `sequence`. Numbers are given only to committed events, each
   * above every number given before (see the sequencer), so a reader paging with `after=` never
   * skips an event. Numbering what has committed first lets the feed run without a relay.
   */
  async feed(after: number, limit: number, type: OrderEventType | null): Promise<EventFeedPage> {
    await sequenceCommittedEvents(this.db);
    let query = this.db
      .selectFrom('outbox')
      .select(['sequence', 'event_id', 'type', 'occurred_at', 'payload', 'status', 'attempts', 'delivered_at'])
      .where('sequence', '>', after)
      .orderBy('sequence')
      .limit(limit);
    if (type !== null) query = query.where('type', '=', type);
    const rows = (await query.execute()) as FeedRow[];
    const items = rows.map((row) => ({ envelope: envelopeOf(row), status: row.status, attempts: row.attempts, deliveredAt: row.delivered_at }));
    return { items, nextAfter: items.at(-1)?.envelope.sequence ?? after };
  }
}
