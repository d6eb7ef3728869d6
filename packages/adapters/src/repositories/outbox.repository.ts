import type { OrderEvent, OutboxRepository } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

export class PgOutboxRepository implements OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The payload is the order view as plain JSON data: its dates become ISO-8601 strings. */
  async append(event: OrderEvent): Promise<void> {
    await this.db
      .insertInto('outbox')
      .values({ type: event.type, payload: JSON.stringify(event.data), occurred_at: event.occurredAt })
      .execute();
  }
}
