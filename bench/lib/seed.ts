import type pg from 'pg';

/**
 * The data every scenario starts from, written straight into the migrated schema (see
 * packages/adapters/src/migrations) in the shape the service's own repositories write it, so
 * that the invariant checker holds before the first request:
 * - wallets 1..users, each funded by one CHARGE history row (balance = Σ history);
 * - products 1..catalogue with plenty of stock, and one hot product after them
 *   (stock_received = stock: nothing sold yet);
 * - the rush coupon (`rushQuantity` units) and a coupon for the mixed day with plenty of units,
 *   their stock split over shards exactly as PgCouponRepository.add splits it;
 * - the coupon rush's yardstick: `uncontendedCoupons` coupons of `uncontendedQuantity` units;
 * - the flash sale: two products of `flashUnits` units after the hot one, and two coupons issued
 *   to every user (one for the flash phase with coupons, one for its spread twin), unused.
 */
export interface SeedPlan {
  users: number;
  walletBalance: number;
  catalogue: number;
  catalogueStock: number;
  hotStock: number;
  rushQuantity: number;
  mixedCouponQuantity: number;
  /** The rush's yardstick and the flash sale: `pnpm bench` only (chaos and the outage test leave them out). */
  uncontendedCoupons?: number;
  uncontendedQuantity?: number;
  flashUnits?: number;
  largeRushQuantity?: number;
}

export interface Seeded {
  hotProductId: number;
  hotProductPrice: number;
  rushCouponId: number;
  mixedCouponId: number;
  largeRushCouponId: number | null;
  uncontendedCouponIds: number[];
  flashProductIds: [number, number];
  /** flashCouponOf[u]: user u's unused user-coupon id for the flash phase (index 0 unused). */
  flashCouponOf: number[];
  spreadCouponOf: number[];
}

/** Mirrors COUPON_STOCK_SHARDS in packages/adapters/src/repositories/coupon.repository.ts. */
const COUPON_STOCK_SHARDS = 32;
const HOT_PRODUCT_PRICE = 1_000;

export async function seed(client: pg.Client, plan: SeedPlan): Promise<Seeded> {
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO wallets (user_id, balance, updated_at) SELECT u, $2, now() FROM generate_series(1, $1::int) AS u`,
    [plan.users, plan.walletBalance],
  );
  await client.query(
    `INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
     SELECT u, 'CHARGE', $2, $2, NULL, now() FROM generate_series(1, $1::int) AS u`,
    [plan.users, plan.walletBalance],
  );
  // Prices from 1,000 to 9,900 won in steps of 100, so orders of the mix differ in amount.
  await client.query(
    `INSERT INTO products (id, name, price, stock_received)
     SELECT p, 'Bench product ' || p, 1000 + ((p * 37) % 90) * 100, $2 FROM generate_series(1, $1::int) AS p`,
    [plan.catalogue, plan.catalogueStock],
  );
  const hotProductId = plan.catalogue + 1;
  await client.query(`INSERT INTO products (id, name, price, stock_received) VALUES ($1, 'Hot product', $2, $3)`, [
    hotProductId,
    HOT_PRODUCT_PRICE,
    plan.hotStock,
  ]);
  const flash = plan.flashUnits !== undefined && plan.flashUnits > 0;
  const flashProductIds: [number, number] = flash ? [hotProductId + 1, hotProductId + 2] : [0, 0];
  if (flash) {
    for (const [k, id] of flashProductIds.entries()) {
      await client.query(`INSERT INTO products (id, name, price, stock_received) VALUES ($1, $2, $3, $4)`, [id, `Flash product ${k + 1}`, HOT_PRODUCT_PRICE, plan.flashUnits]);
    }
  }
  // Nothing sold yet: every unit received is on sale, spread over the shards as PgProductRepository.add spreads it.
  await client.query(
    `INSERT INTO product_stock_shards (product_id, shard_no, remaining)
     SELECT p.id, s.shard_no, s.remaining FROM products p CROSS JOIN LATERAL product_stock_spread(p.stock_received) s`,
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('products', 'id'), $1)`, [flash ? flashProductIds[1] : hotProductId]);
  const rushCouponId = await addCoupon(client, 'Bench rush coupon', plan.rushQuantity);
  const mixedCouponId = await addCoupon(client, 'Bench everyday coupon', plan.mixedCouponQuantity);
  const largeRushCouponId = plan.largeRushQuantity ? await addCoupon(client, 'Bench large rush coupon', plan.largeRushQuantity) : null;
  const uncontendedCouponIds: number[] = [];
  for (let c = 0; c < (plan.uncontendedCoupons ?? 0); c += 1) uncontendedCouponIds.push(await addCoupon(client, `Bench spread coupon ${c + 1}`, plan.uncontendedQuantity ?? 1));
  const flashCouponOf = flash ? await issueToEveryUser(client, 'Bench flash coupon', plan.users) : [];
  const spreadCouponOf = flash ? await issueToEveryUser(client, 'Bench spread-order coupon', plan.users) : [];
  await client.query('COMMIT');
  await client.query('ANALYZE');
  return { hotProductId, hotProductPrice: HOT_PRODUCT_PRICE, rushCouponId, mixedCouponId, largeRushCouponId, uncontendedCouponIds, flashProductIds, flashCouponOf, spreadCouponOf };
}

/** A coupon of `users` units, one issued to each user 1..users (none left): ids indexed by user. */
async function issueToEveryUser(client: pg.Client, name: string, users: number): Promise<number[]> {
  const id = await addCoupon(client, name, users, 500);
  await client.query(
    `INSERT INTO user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at, used_at)
     SELECT c.id, u, c.discount_type, c.discount_value, now(), c.expires_at, NULL FROM coupons c, generate_series(1, $2::int) AS u WHERE c.id = $1`,
    [id, users],
  );
  await client.query(`UPDATE coupon_stock_shards SET remaining = 0 WHERE coupon_id = $1`, [id]);
  const { rows } = await client.query<{ user_id: string; id: string }>(`SELECT user_id, id FROM user_coupons WHERE coupon_id = $1`, [id]);
  const byUser: number[] = [0];
  for (const row of rows) byUser[Number(row.user_id)] = Number(row.id);
  return byUser;
}

async function addCoupon(client: pg.Client, name: string, total: number, discount = 1000): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO coupons (name, discount_type, discount_value, total_quantity, expires_at)
     VALUES ($1, 'FIXED', $3, $2, now() + interval '30 days') RETURNING id`,
    [name, total, discount],
  );
  const id = Number(rows[0]?.id);
  const shards = Math.min(total, COUPON_STOCK_SHARDS);
  await client.query(
    `INSERT INTO coupon_stock_shards (coupon_id, shard_no, remaining)
     SELECT $1, n, $2::int + (CASE WHEN n < $3::int THEN 1 ELSE 0 END) FROM generate_series(0, $4::int) AS n`,
    [id, Math.floor(total / shards), total % shards, shards - 1],
  );
  return id;
}

/** The single hot counter of the coupon-rush ceiling, in the ceiling's own database only. */
export async function createHotCounter(client: pg.Client): Promise<void> {
  await client.query('CREATE TABLE bench_coupon_counter (id int PRIMARY KEY, remaining int NOT NULL CHECK (remaining >= 0))');
  // Never runs out during a run: the ceiling measures claims, not sold-out refusals.
  await client.query('INSERT INTO bench_coupon_counter VALUES (1, 1000000000)');
}

/** The first id of the orders `seedCancellableOrders` writes: far above any the sequence hands out in a run. */
const CANCELLABLE_ORDER_BASE = 900_000_000;

/**
 * PAID orders for the cancel and refund ceilings, in the ceilings' copy only: three ranges of
 * `perRange` (see `lifecycleOrderVariables`), each order of one unit of a catalogue product at its
 * price, by users 1..users in turn, no coupon. They were never paid for (no PAYMENT row, no stock
 * taken): the copy has no invariant checker, and a cancel's or a refund's statements cost the same.
 */
export async function seedCancellableOrders(client: pg.Client, plan: { users: number; catalogue: number; perRange: number }): Promise<void> {
  const orders = `FROM generate_series(1, $1::int) AS g JOIN products p ON p.id = 1 + g % $2::int`;
  await client.query(
    `INSERT INTO orders (id, user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at)
     SELECT ${CANCELLABLE_ORDER_BASE} + g, 1 + g % $3::int, 'PAID', p.price, 0, p.price, 0, NULL, now() ${orders}`,
    [3 * plan.perRange, plan.catalogue, plan.users],
  );
  await client.query(
    `INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity)
     SELECT ${CANCELLABLE_ORDER_BASE} + g, p.id, p.name, p.price, 1, p.price, p.price, 0 ${orders}`,
    [3 * plan.perRange, plan.catalogue],
  );
}

/**
 * The pgbench variables of the cancel and refund ceilings. The service's SQL picks at random in the
 * first range (an order drawn twice costs its statements again: the script has no domain to
 * refuse it). The lean statements would do nothing on an order already undone, which would flatter
 * them, so each takes fresh orders in turn from a range of its own: `lean_lo` + the client's next
 * number, wrapping after `lean_count`.
 */
export const lifecycleOrderVariables = (name: string, perRange: number): Record<string, number> => ({
  orders_lo: CANCELLABLE_ORDER_BASE + 1,
  orders_hi: CANCELLABLE_ORDER_BASE + perRange,
  lean_lo: CANCELLABLE_ORDER_BASE + (name === 'refund' ? 2 : 1) * perRange + 1,
  lean_count: perRange,
});
