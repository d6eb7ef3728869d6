import type { ProductRepository } from '@storefront/application';
import { MAX_ORDER_LINES, Product, type ProductPrimitives } from '@storefront/domain';
import { sql, type CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { compiledOnce } from '../db/compiled-statement.template';
import type { DB, ProductsTable } from '../db/database.schema';
import { executeOpeningStatement } from '../db/pooled.connection';
import { productStock } from '../db/product-stock';
import { sendWithCommit } from '../db/sent-with-commit';
import { StockMovesAtCommit, type StockTake } from './stock-takes';

const columns = ['id', 'name', 'price', productStock.as('stock')] as const;

type ProductRow = Pick<Selectable<ProductsTable>, 'id' | 'name' | 'price'> & { stock: number };

type ProductsByIds = (db: Kysely<DB>, ids: Record<string, number>) => CompiledQuery<ProductRow>;

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
  private readonly stockTakes = new StockMovesAtCommit('take_product_stock');
  private readonly stockPutBacks = new StockMovesAtCommit('put_back_product_stock');

  constructor(private readonly db: Kysely<DB>) {}

  /** The product and its stock shards (migration 0007), in one statement. */
  async add(fields: Omit<ProductPrimitives, 'id'>): Promise<Product> {
    const { rows } = await sql<Omit<ProductRow, 'stock'>>`
      with product as (
        insert into products (name, price, stock_received) values (${fields.name}, ${fields.price}, ${fields.stock}) returning id, name, price
      ), shards as (
        insert into product_stock_shards (product_id, shard_no, remaining)
        select product.id, spread.shard_no, spread.remaining from product, product_stock_spread(${fields.stock}) as spread
      )
      select id, name, price from product`.execute(this.db);
    return Product.fromPrimitives({ ...rows[0]!, stock: fields.stock });
  }

  /**
   * For an admin's edit of the stock: the product's row, and each of its stock shards in shard
   * order — the order in which an order's take at commit waits on them, so the two never
   * deadlock. The row's own lock is FOR NO KEY UPDATE, which lets an order committing meanwhile
   * take the KEY SHARE lock its lines' foreign key needs; the shards' locks hold orders' takes back.
   */
  async lockById(productId: number): Promise<Product | null> {
    const row = await this.db
      .with('shards', (db) => db.selectFrom('product_stock_shards').select('remaining').where('product_id', '=', productId).orderBy('shard_no').forUpdate())
      .selectFrom('products')
      .select(['id', 'name', 'price', sql<number>`(select coalesce(sum(remaining), 0)::bigint from shards)`.as('stock')])
      .where('id', '=', productId)
      .forNoKeyUpdate()
      .executeTakeFirst();
    return row ? Product.fromPrimitives(row) : null;
  }

  /**
   * An admin's edit of a product locked by `lockById`. A changed stock is spread over the shards
   * again (an unchanged one leaves them as they are), and its difference from the old one added
   * to `stock_received`, so "received − sold = stock" (invariant 2) survives restocking. `old`
   * and `shards` read the same snapshot: the difference is taken from the stock before the edit.
   */
  async save(product: Product): Promise<void> {
    const p = product.toPrimitives();
    await sql`
      with old as (
        select coalesce(sum(remaining), 0) as stock from product_stock_shards where product_id = ${p.id}
      ), shards as (
        update product_stock_shards s set remaining = spread.remaining
        from product_stock_spread(${p.stock}) as spread
        where s.product_id = ${p.id} and s.shard_no = spread.shard_no and ${p.stock} <> (select stock from old)
      )
      update products set name = ${p.name}, price = ${p.price}, stock_received = stock_received + ${p.stock} - (select stock from old)
      where id = ${p.id}`.execute(this.db);
  }

  /**
   * For an edit of name or price: the product's row alone, FOR NO KEY UPDATE as in `lockById`,
   * and its stock summed from the shards without locking them (the sum's subquery reads no table
   * of the FROM clause, which is all the lock clause covers).
   */
  async lockDetailsById(productId: number): Promise<Product | null> {
    const row = await this.db.selectFrom('products').select(columns).where('id', '=', productId).forNoKeyUpdate().executeTakeFirst();
    return row ? Product.fromPrimitives(row) : null;
  }

  /**
   * The stock it answers is read by this statement, after `lockDetailsById` may have waited for
   * the row: that read's sum came from before the wait.
   */
  async saveDetails(product: Product): Promise<Product> {
    const { id, name, price } = product.toPrimitives();
    const row = await this.db.updateTable('products').set({ name, price }).where('id', '=', id).returning(columns).executeTakeFirstOrThrow();
    return Product.fromPrimitives(row);
  }

  /** The statement may open its transaction (executeOpeningStatement): its parameters are integers. */
  async findByIds(productIds: readonly number[]): Promise<Product[]> {
    if (productIds.length === 0) return [];
    const { rows } = await executeOpeningStatement(this.db, productsByIds(this.db, productIds));
    return rows.map((row) => Product.fromPrimitives(row));
  }

  /**
   * Sent with the COMMIT (sent-with-commit.ts), in one message with it: a shard of a popular
   * product is locked only while PostgreSQL runs that message, and other orders take from the
   * other shards meanwhile. `take_product_stock` refuses an oversell there, failing the commit;
   * the unit of work turns that failure into OUT_OF_STOCK (`stockRefusal`). The order lines'
   * foreign key keeps the product from going away.
   */
  async takeStockAtCommit(productId: number, quantity: number): Promise<void> {
    refuseMixedMoves(this.stockPutBacks);
    this.stockTakes.add(productId, quantity);
    await sendWithCommit(this.db, this.stockTakes);
  }

  /** What this transaction takes at commit, by ascending product id. */
  get stockTakenAtCommit(): readonly StockTake[] {
    return this.stockTakes.all();
  }

  /**
   * Sent with the COMMIT, like an order's take: `put_back_product_stock` adds the units to a
   * shard no other transaction holds, else waits for one, so the shard is locked only while the
   * commit runs. Restocked units are not received ones: stock_received stays, so invariant 2
   * counts them as restocks. A product without shards fails the commit (migration 0008).
   */
  async putBackStockAtCommit(productId: number, quantity: number): Promise<void> {
    refuseMixedMoves(this.stockTakes);
    this.stockPutBacks.add(productId, quantity);
    await sendWithCommit(this.db, this.stockPutBacks);
  }
}

/**
 * Takes and put-backs are sent as two lists, each by ascending product id: in one transaction
 * together they would not be in one global order, and could deadlock. No use case mixes them.
 */
function refuseMixedMoves(other: StockMovesAtCommit): void {
  if (other.all().length > 0) throw new Error('A transaction either takes stock or puts it back, not both');
}
