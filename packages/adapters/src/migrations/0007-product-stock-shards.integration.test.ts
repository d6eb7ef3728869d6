import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { describe, expect, it } from 'vitest';
import { freshEmptyDatabaseUrl } from '../../test/harness';
import { openDatabase } from '../db/database.factory';
import { migrateToLatest, migrations } from './schema.migrator';

describe('0007-product-stock-shards', () => {
  it('moves each product’s stock into 32 shards whose sum is that stock, and keeps received − sold', async () => {
    const ref = await freshEmptyDatabaseUrl();
    const database = await openDatabase({ databaseUrl: ref.url, poolSize: 2 });
    const { db } = database;
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0007'));
      expect((await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest()).error).toBeUndefined();
      await sql`insert into products (id, name, price, stock, stock_received) values (1, 'Scarf', 59000, 37, 40), (2, 'Sold out', 1000, 0, 5)`.execute(db);

      expect((await migrateToLatest(db))[0]).toBe('0007-product-stock-shards');

      const shards = await db.selectFrom('product_stock_shards').select(['product_id', 'remaining']).orderBy('product_id').orderBy('shard_no').execute();
      const of = (productId: number) => shards.filter((s) => s.product_id === productId).map((s) => s.remaining);
      // 37 = 32 + 5: two units each for the first five shards, one for the rest.
      expect(of(1)).toEqual([2, 2, 2, 2, 2, ...Array<number>(27).fill(1)]);
      expect(of(2)).toEqual(Array<number>(32).fill(0));
      expect(await db.selectFrom('products').select(['id', 'stock_received']).orderBy('id').execute()).toEqual([
        { id: 1, stock_received: 40 },
        { id: 2, stock_received: 5 },
      ]);
      await expect(sql`update product_stock_shards set remaining = -1 where product_id = 1 and shard_no = 0`.execute(db)).rejects.toThrow(/product_stock_shards_remaining_check/);
    } finally {
      await database.close();
      await ref.drop();
    }
  });
});
