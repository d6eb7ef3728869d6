import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/database.schema';

const TABLES = ['wallets', 'balance_history', 'products', 'product_stock_shards', 'coupon_stock_shards', 'user_coupons', 'orders', 'order_lines', 'refunds', 'refund_lines', 'outbox'] as const;

/** Every row of the tables an order touches, for "a failure changes nothing" assertions. */
export async function snapshotOf(db: Kysely<DB>): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const { rows } = await sql`select * from ${sql.table(table)} order by 1, 2`.execute(db);
    snapshot[table] = rows;
  }
  return snapshot;
}
