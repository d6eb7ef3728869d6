import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { describe, expect, it } from 'vitest';
import { freshEmptyDatabaseUrl } from '../../test/harness';
import { openDatabase } from '../db/database.factory';
import { migrateToLatest, migrations } from './schema.migrator';

describe('0002-order-lifecycle', () => {
  it('gives orders placed before it the paid shares the domain would give, and lets a cancelled order free its coupon', async () => {
    const ref = await freshEmptyDatabaseUrl();
    const database = await openDatabase({ databaseUrl: ref.url, poolSize: 2 });
    const { db } = database;
    try {
      const first = new Migrator({ db, provider: { getMigrations: async () => ({ '0001-initial-schema': migrations['0001-initial-schema']! }) } });
      expect((await first.migrateToLatest()).error).toBeUndefined();

      // Two orders of the first release: 75,500 with 1,000 off, and three equal lines sharing 29 won.
      await sql`insert into products (id, name, price, stock, stock_received) values
        (1, 'Keyboard', 30000, 0, 2), (2, 'Mouse', 12500, 0, 1), (3, 'Cable', 1000, 0, 3),
        (4, 'A', 10, 0, 1), (5, 'B', 10, 0, 1), (6, 'C', 10, 0, 1)`.execute(db);
      await sql`insert into coupons (id, name, discount_type, discount_value, total_quantity, expires_at)
        values (1, 'Off', 'FIXED', 1000, 1, '2030-01-01Z')`.execute(db);
      await sql`insert into user_coupons (id, coupon_id, user_id, discount_type, discount_value, issued_at, expires_at)
        values (1, 1, 7, 'FIXED', 1000, now(), '2030-01-01Z')`.execute(db);
      await sql`insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, user_coupon_id, created_at) values
        (1, 7, 'PAID', 75500, 1000, 74500, 1, now()), (2, 7, 'PAID', 30, 1, 29, null, now())`.execute(db);
      await sql`update user_coupons set used_at = now(), order_id = 1 where id = 1`.execute(db);
      await sql`insert into order_lines (order_id, product_id, name, unit_price, quantity, amount) values
        (1, 3, 'Cable', 1000, 3, 3000), (1, 1, 'Keyboard', 30000, 2, 60000), (1, 2, 'Mouse', 12500, 1, 12500),
        (2, 6, 'C', 10, 1, 10), (2, 4, 'A', 10, 1, 10), (2, 5, 'B', 10, 1, 10)`.execute(db);

      expect(await migrateToLatest(db)).toEqual(Object.keys(migrations).filter((name) => name !== '0001-initial-schema'));

      const lines = await db.selectFrom('order_lines').select(['order_id', 'product_id', 'paid_amount', 'refunded_quantity']).orderBy('order_id').orderBy('product_id').execute();
      expect(lines.map((l) => [l.order_id, l.product_id, l.paid_amount, l.refunded_quantity])).toEqual([
        // 59,205.29 / 12,334.43 / 2,960.26: the won left over goes to the mouse, the largest remainder.
        [1, 1, 59_205, 0],
        [1, 2, 12_335, 0],
        [1, 3, 2_960, 0],
        // 9.67 each: 9 each, and the two won left over to the lower product ids (equal remainders).
        [2, 4, 10, 0],
        [2, 5, 10, 0],
        [2, 6, 9, 0],
      ]);
      expect(await db.selectFrom('orders').select(['id', 'status', 'refunded_amount', 'cancelled_at']).orderBy('id').execute()).toEqual([
        { id: 1, status: 'PAID', refunded_amount: 0, cancelled_at: null },
        { id: 2, status: 'PAID', refunded_amount: 0, cancelled_at: null },
      ]);

      // A used coupon cannot pay a second live order…
      const secondOrder = sql`insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, user_coupon_id, created_at)
        values (3, 7, 'PAID', 10, 0, 10, 1, now())`;
      await expect(secondOrder.execute(db)).rejects.toThrow(/orders_user_coupon_id_live_key/);
      // …but once its order is cancelled it may.
      await sql`update orders set status = 'CANCELLED', refunded_amount = paid_amount, cancelled_at = now() where id = 1`.execute(db);
      await expect(secondOrder.execute(db)).resolves.toBeDefined();
      // The constraints refuse a status that does not match the money: REFUNDED with nothing back.
      await expect(sql`update orders set status = 'REFUNDED' where id = 2`.execute(db)).rejects.toThrow(/orders_refunded_in_full_check/);
      await expect(sql`update order_lines set refunded_quantity = quantity + 1 where order_id = 2`.execute(db)).rejects.toThrow(/order_lines_refunded_quantity_check/);
    } finally {
      await database.close();
      await ref.drop();
    }
  });
});
