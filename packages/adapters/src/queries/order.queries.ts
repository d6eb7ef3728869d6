import { orderViewOf, type OrderFilter, type OrderQueries, type OrderView, type Page, type PageRequest } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { orderColumns, withLinesAndRefunds } from '../repositories/order.loader';
import { toPage } from './keyset.pagination';

/**
 * An order is read in several statements (its row, lines, refunds); they share one snapshot
 * (a read-only REPEATABLE READ transaction), so a refund committing between them can never show
 * an order whose status, lines and refunds disagree.
 */
export class PgOrderQueries implements OrderQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async orderById(orderId: number): Promise<OrderView | null> {
    return this.inOneSnapshot(async (db) => {
      const row = await db.selectFrom('orders').select(orderColumns).where('id', '=', orderId).executeTakeFirst();
      if (!row) return null;
      const [order] = await withLinesAndRefunds(db, [row]);
      return order ? orderViewOf(order) : null;
    });
  }

  async ordersOf(userId: number, page: PageRequest): Promise<Page<OrderView>> {
    return this.orders({ status: null, userId }, page);
  }

  /** One query for the page of orders, then one each for all their lines, refunds and refund lines. */
  async orders(filter: OrderFilter, page: PageRequest): Promise<Page<OrderView>> {
    return this.inOneSnapshot(async (db) => {
      let query = db.selectFrom('orders').select(orderColumns);
      if (filter.userId !== null) query = query.where('user_id', '=', filter.userId);
      if (filter.status !== null) query = query.where('status', '=', filter.status);
      if (page.after !== null) query = query.where('id', '<', page.after);
      const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
      const orders = await withLinesAndRefunds(db, rows.slice(0, page.limit));
      const byId = new Map(orders.map((order) => [order.id, order]));
      return toPage(rows, page, (row) => row.id, (row) => orderViewOf(byId.get(row.id)!));
    });
  }

  private inOneSnapshot<T>(read: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
  }
}
