import type { BalanceHistoryRepository } from '@storefront/application';
import type { BalanceChange } from '@storefront/domain';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

export class PgBalanceHistoryRepository implements BalanceHistoryRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async append(change: BalanceChange, orderId: number | null): Promise<string> {
    const { id } = await this.db
      .insertInto('balance_history')
      .values({
        user_id: change.userId,
        type: change.type,
        amount: change.amount,
        balance_after: change.balanceAfter,
        order_id: orderId,
        created_at: change.occurredAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return String(id);
  }
}
