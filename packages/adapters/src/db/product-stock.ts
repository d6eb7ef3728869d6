import { sql } from 'kysely';

/**
 * A product's stock, for the row of `products` a query reads: the committed sum of its shards
 * (migration 0007). Read without locks, it is what the catalogue shows and what an order checks
 * early; the order's take at commit (stock-takes.ts) is what guards the units.
 */
export const productStock = sql<number>`(select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id)`;
