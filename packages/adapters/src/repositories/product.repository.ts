import type { ProductRepository } from '@storefront/application';
import { MAX_ORDER_LINES, Product, type ProductPrimitives } from '@storefront/domain';
import type { CompiledQuery, Kysely, Selectable } from 'kysely';
import { compiledOnce } from '../db/compiled-statement.template';
import type { DB, ProductsTable } from '../db/database.schema';
import { executeOpeningStatement } from '../db/pooled.connection';
import { sendWithCommit } from '../db/sent-with-commit';
import { StockTakes, type StockTake } from './stock-takes';

const columns = ['id', 'name', 'price', 'stock'] as const;

type ProductsByIds = (db: Kysely<DB>, ids: Record<string, number>) => CompiledQuery<Pick<Selectable<ProductsTable>, (typeof columns)[number]>>;

/** One statement for each number of products an order may ask for, each built and compiled once. */
const productsByIdsOfLength = new Map<number, ProductsByIds>();

/**
 * `select … where id in (…)` for `productIds`, through compiled-statement.template.ts: an order's
 * read of its products is on the hot path, and building and compiling it was about half of what
 * that read cost the service (CPU profile of a flash sale). Lists longer than an order's are
 * compiled each time, not kept.
 */
function productsByIds(db: Kysely<DB>, productIds: readonly number[]) {
  const length = productIds.length;
  let query = productsByIdsOfLength.get(length);
  if (query === undefined) {
    query = compiledOnce((db, a: Record<string, number>) =>
      db
        .selectFrom('products')
        .select(columns)
        .where('id', 'in', Array.from({ length }, (_, i) => a[`id${i}`]!))
        .orderBy('id'),
    );
    if (length <= MAX_ORDER_LINES) productsByIdsOfLength.set(length, query);
  }
  return query(db, Object.fromEntries(productIds.map((id, i) => [`id${i}`, id])));
}

export class PgProductRepository implements ProductRepository {
  private readonly stockTakes = new StockTakes();

  constructor(private readonly db: Kysely<DB>) {}

  async add(fields: Omit<ProductPrimitives, 'id'>): Promise<Product> {
    const row = await this.db
      .insertInto('products')
      .values({ name: fields.name, price: fields.price, stock: fields.stock, stock_received: fields.stock })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return Product.fromPrimitives(row);
  }

  async lockById(productId: number): Promise<Product | null> {
    const row = await this.db.selectFrom('products').select(columns).where('id', '=', productId).forUpdate().executeTakeFirst();
    return row ? Product.fromPrimitives(row) : null;
  }

  /**
   * An admin's edit of a product locked by `lockById`. A change of stock is also added to
   * `stock_received`, so "received − sold = stock" (invariant 2) survives restocking.
   */
  async save(product: Product): Promise<void> {
    const p = product.toPrimitives();
    await this.db
      .updateTable('products')
      .set((eb) => ({
        name: p.name,
        price: p.price,
        stock_received: eb('stock_received', '+', eb(eb.val(p.stock), '-', eb.ref('stock'))),
        stock: p.stock,
      }))
      .where('id', '=', p.id)
      .executeTakeFirst();
  }

  /** The statement may open its transaction (executeOpeningStatement): its parameters are integers. */
  async findByIds(productIds: readonly number[]): Promise<Product[]> {
    if (productIds.length === 0) return [];
    const { rows } = await executeOpeningStatement(this.db, productsByIds(this.db, productIds));
    return rows.map((row) => Product.fromPrimitives(row));
  }

  /**
   * Sent with the COMMIT (sent-with-commit.ts), in one message with it: the hot row of a popular
   * product is locked only while PostgreSQL runs that message. The CHECK (stock >= 0) of the
   * table refuses an oversell there, failing the commit; the unit of work turns that failure
   * into OUT_OF_STOCK (`stockRefusal`). The order lines' foreign key keeps the row from going away.
   */
  async takeStockAtCommit(productId: number, quantity: number): Promise<void> {
    this.stockTakes.add(productId, quantity);
    await sendWithCommit(this.db, this.stockTakes);
  }

  /** What this transaction takes at commit, by ascending product id. */
  get stockTakenAtCommit(): readonly StockTake[] {
    return this.stockTakes.all();
  }

  /** Restocked units are not received ones: stock_received stays, so invariant 2 counts them as restocks. */
  async increaseStock(productId: number, quantity: number): Promise<void> {
    const { numUpdatedRows } = await this.db
      .updateTable('products')
      .set((eb) => ({ stock: eb('stock', '+', quantity) }))
      .where('id', '=', productId)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) throw new Error(`Product ${productId} does not exist`);
  }
}
