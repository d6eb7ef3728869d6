import type { OrderEvent, OutboxRepository } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { sendWithCommit, type SentWithCommit } from '../db/sent-with-commit';
import { inlinedInteger, inlinedText, inlinedTimestamp } from '../db/sql-literals';

export class PgOutboxRepository implements OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Defers the event to the COMMIT: nothing in the transaction reads it back, and it travels in
   * the commit's own round trip. Its `data` is stored as the JSON text the relay will send (dates
   * become ISO-8601 strings); the sequencer numbers it once it has committed.
   */
  async append(event: OrderEvent): Promise<void> {
    await sendWithCommit(this.db, new OutboxRow(event));
  }
}

/** One outbox row, its values inlined as checked literals (sql-literals.ts). */
class OutboxRow implements SentWithCommit {
  private readonly sql: string;

  constructor(event: OrderEvent) {
    this.sql =
      `insert into outbox (type, order_id, payload, occurred_at) values (${inlinedText(event.type, "The event's type")}, ` +
      `${inlinedInteger(event.data.orderId, "The event's order id")}, ${inlinedText(JSON.stringify(event.data), "The event's data")}::json, ${inlinedTimestamp(event.occurredAt, "The event's time")})`;
  }

  statements(): string[] {
    return [this.sql];
  }
}
