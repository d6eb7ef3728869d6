import type { BalanceHistoryEntryView, BalanceView, Page, PageRequest, WalletQueries } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { toPage } from './keyset.pagination';

export class PgWalletQueries implements WalletQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async balanceOf(userId: number): Promise<BalanceView | null> {
    const row = await this.db
      .selectFrom('wallets')
      .select(['user_id', 'balance', 'updated_at'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? { userId: row.user_id, balance: row.balance, updatedAt: row.updated_at } : null;
  }

  async historyOf(userId: number, page: PageRequest): Promise<Page<BalanceHistoryEntryView>> {
    let query = this.db
      .selectFrom('balance_history')
      .select(['id', 'type', 'amount', 'balance_after', 'order_id', 'created_at'])
      .where('user_id', '=', userId);
    if (page.after !== null) query = query.where('id', '<', page.after);
    const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
    return toPage(rows, page, (row) => row.id, (row) => ({
      transactionId: String(row.id),
      type: row.type,
      amount: row.amount,
      balanceAfter: row.balance_after,
      orderId: row.order_id,
      createdAt: row.created_at,
    }));
  }
}
