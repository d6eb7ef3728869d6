import type { Kysely } from 'kysely';
import type { OutboxEventView, OutboxQueries, OutboxStatus, Page, PageRequest } from '@storefront/application';
import type { DB } from '../db/schema';

/**
 * The outbox as operators see it (`GET /admin/outbox`). Newest first, like every other list of
 * the API: the page key is the row's `seq`, so pages stay stable while new events arrive.
 */
export class PgOutboxQueries implements OutboxQueries {
  constructor(private readonly db: Kysely<DB>) {}

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
}
