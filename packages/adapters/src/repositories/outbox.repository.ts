import type { OrderEvent, OutboxRepository } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

export class PgOutboxRepository implements OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * The event's `data` is stored as the JSON text the relay will send (dates become ISO-8601
   * strings); the sequencer numbers it once it has committed.
   */
  async append(event: OrderEvent): Promise<void> {
    await this.db
      .insertInto('outbox')
      .values({ type: event.type, order_id: event.data.orderId, payload: JSON.stringify(event.data), occurred_at: event.occurredAt })
      .execute();
  }
}
