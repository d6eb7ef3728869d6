import { outOfStock, type DomainError } from '@storefront/domain';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { productStock } from '../db/product-stock';
import { CHECK_VIOLATION, constraintName, sqlState } from '../db/database.errors';
import type { SentWithCommit } from '../db/sent-with-commit';

export interface StockTake {
  productId: number;
  quantity: number;
}

/** The CHECK (remaining >= 0) of `product_stock_shards`, which `take_product_stock` names when it refuses (migration 0007). */
const STOCK_CHECK = 'product_stock_shards_remaining_check';

/**
 * The units of stock one transaction moves at its commit, by product: an order's takes
 * (`take_product_stock`, migration 0007), or a cancel's or a refund's put-backs
 * (`put_back_product_stock`, 0008). One call per product, by ascending id — the global lock
 * order of the products' shards, so two transactions never deadlock on them. Ids and quantities
 * are integers checked here and inlined as literals: the statements travel with the COMMIT as
 * one simple-protocol query, which has no parameters (and so no prepared statement, which
 * PgBouncer in transaction mode would not keep).
 */
export class StockMovesAtCommit implements SentWithCommit {
  private readonly quantities = new Map<number, number>();

  constructor(private readonly move: 'take_product_stock' | 'put_back_product_stock') {}

  add(productId: number, quantity: number): void {
    if (!Number.isSafeInteger(productId) || productId <= 0) throw new RangeError(`Product id ${productId} is not a positive integer`);
    if (!Number.isSafeInteger(quantity) || quantity <= 0) throw new RangeError(`Quantity ${quantity} is not a positive integer`);
    this.quantities.set(productId, (this.quantities.get(productId) ?? 0) + quantity);
  }

  all(): StockTake[] {
    return [...this.quantities.entries()].sort(([a], [b]) => a - b).map(([productId, quantity]) => ({ productId, quantity }));
  }

  statements(): string[] {
    return this.all().map(({ productId, quantity }) => `select ${this.move}(${productId}, ${quantity})`);
  }
}

/** True when a transaction failed because a product had too few units for a take at its commit. */
export function isStockShortAtCommit(error: unknown): boolean {
  return sqlState(error) === CHECK_VIOLATION && constraintName(error) === STOCK_CHECK;
}

/**
 * The domain's refusal for a commit whose take of stock failed, once that transaction has rolled
 * back: the stock is read again, now, and the first product still short is named, with what it
 * has; if every one was restocked meanwhile, the first product taken is, without a count.
 */
export async function stockRefusal(db: Kysely<DB>, takes: readonly StockTake[]): Promise<DomainError> {
  const [first] = takes;
  if (first === undefined) throw new Error('A stock refusal needs the stock the transaction took');
  const productIds = takes.map((take) => take.productId);
  const rows = await db.selectFrom('products').select(['id', productStock.as('stock')]).where('id', 'in', productIds).execute();
  for (const take of takes) {
    const stock = rows.find((row) => row.id === take.productId)?.stock ?? 0;
    if (stock < take.quantity) return outOfStock(take.productId, take.quantity, stock);
  }
  return outOfStock(first.productId, first.quantity);
}
