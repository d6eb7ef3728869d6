import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/database.schema';

export interface LargeShopPlan {
  orders: number;
  /** Orders are spread evenly over this many past business days (and today). */
  days: number;
  timeZone: string;
  /**
   * Leave the planner's statistics as they were before the seed (empty tables), as on a live
   * database between autovacuum runs: the audit must stay fast without fresh statistics.
   */
  analyze?: boolean;
}

/**
 * A shop with many paid orders written straight in SQL, in the shape the repositories write
 * them, so that every invariant holds: one funding CHARGE per user then a PAYMENT per order
 * (running balances), two lines per order (no coupon: each line's paid share is its amount), stock received − sold = stock, one delivered
 * order.paid event per order, the complete past days aggregated, and a coupon half issued.
 * Seconds for 50,000 orders, where placing them through the use cases would take minutes.
 */
export async function seedLargeShop(db: Kysely<DB>, plan: LargeShopPlan): Promise<void> {
  const users = Math.max(1, Math.floor(plan.orders / 10));
  const products = 200;
  await db.transaction().execute(async (trx) => {
    await sql`
      insert into products (id, name, price, stock_received)
      select p, 'Large shop product ' || p, 1000 + ((p * 37) % 90) * 100, 1000000
      from generate_series(1, ${products}::int) p`.execute(trx);
    await sql`select setval(pg_get_serial_sequence('products', 'id'), ${products}::int)`.execute(trx);
    await sql`
      insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, created_at)
      select i, 1 + i % ${users}::int, 'PAID', 0, 0, 0,
             now() - make_interval(secs => ${plan.days * 86_400}::float8 * (${plan.orders}::int - i) / ${plan.orders}::int)
      from generate_series(1, ${plan.orders}::int) i`.execute(trx);
    await sql`select setval(pg_get_serial_sequence('orders', 'id'), ${plan.orders}::int)`.execute(trx);
    await sql`
      insert into order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount)
      select o.id, p.id, p.name, p.price, q.quantity, p.price * q.quantity, p.price * q.quantity
      from orders o
      cross join lateral (values (1 + o.id % ${products}::int, 1 + o.id % 3), (1 + (o.id + 1) % ${products}::int, 1)) q (product_id, quantity)
      join products p on p.id = q.product_id`.execute(trx);
    await sql`
      update orders o set total_amount = l.total, paid_amount = l.total
      from (select order_id, sum(amount) as total from order_lines group by order_id) l
      where l.order_id = o.id`.execute(trx);
    await sql`
      insert into product_stock_shards (product_id, shard_no, remaining)
      select p.id, spread.shard_no, spread.remaining
      from products p
      left join (select product_id, sum(quantity) as sold from order_lines group by product_id) s on s.product_id = p.id
      cross join lateral product_stock_spread(p.stock_received - coalesce(s.sold, 0)) spread`.execute(trx);

    await sql`
      insert into wallets (user_id, balance, updated_at)
      select u, 10000000 - coalesce(s.paid, 0), now()
      from generate_series(1, ${users}::int) u
      left join (select user_id, sum(paid_amount) as paid from orders group by user_id) s on s.user_id = u`.execute(trx);
    // Each user is funded once, before any order, with enough for all of them.
    await sql`
      insert into balance_history (user_id, type, amount, balance_after, order_id, created_at)
      select u, 'CHARGE', 10000000, 10000000, null, now() - make_interval(days => ${plan.days + 1}::int)
      from generate_series(1, ${users}::int) u`.execute(trx);
    await sql`
      insert into balance_history (user_id, type, amount, balance_after, order_id, created_at)
      select user_id, 'PAYMENT', paid_amount,
             10000000 - sum(paid_amount) over (partition by user_id order by id), id, created_at
      from orders order by id`.execute(trx);

    // The outbox's shape as migrated here: payload json or jsonb, and an order_id column once
    // events are delivered in per-order order.
    const columns = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns where table_name = 'outbox'`.execute(trx);
    const payloadType = columns.rows.find((c) => c.column_name === 'payload')?.data_type === 'json' ? sql.raw('json') : sql.raw('jsonb');
    const withOrderId = columns.rows.some((c) => c.column_name === 'order_id');
    await sql`
      insert into outbox (type, payload, occurred_at, status, attempts, delivered_at${withOrderId ? sql.raw(', order_id') : sql.raw('')})
      select 'order.paid', json_build_object('orderId', id, 'userId', user_id, 'paidAmount', paid_amount)::text::${payloadType}, created_at,
             'DELIVERED', 1, created_at${withOrderId ? sql.raw(', id') : sql.raw('')}
      from orders order by id`.execute(trx);

    const coupon = await sql<{ id: number }>`
      insert into coupons (name, discount_type, discount_value, total_quantity, expires_at)
      values ('Large shop coupon', 'FIXED', 1000, 1000, now() + interval '30 days') returning id`.execute(trx);
    const couponId = coupon.rows[0]!.id;
    await sql`
      insert into user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at)
      select ${couponId}::bigint, u, 'FIXED', 1000, now(), now() + interval '30 days'
      from generate_series(1, least(500, ${users}::int)) u`.execute(trx);
    await sql`
      insert into coupon_stock_shards (coupon_id, shard_no, remaining)
      select ${couponId}::bigint, n, case when n = 0 then 1000 - least(500, ${users}::int) else 0 end
      from generate_series(0, 31) n`.execute(trx);

    // The past days, aggregated as the 00:00 job does it.
    await sql`
      with days as (
        select distinct (created_at at time zone ${plan.timeZone})::date as day from orders
        where (created_at at time zone ${plan.timeZone})::date < (now() at time zone ${plan.timeZone})::date
      )
      insert into sales_aggregation_runs (day, aggregated_at, complete) select day, now(), true from days`.execute(trx);
    await sql`
      insert into daily_product_sales (day, product_id, quantity, revenue)
      select (o.created_at at time zone ${plan.timeZone})::date, l.product_id, sum(l.quantity), sum(l.amount)
      from orders o join order_lines l on l.order_id = o.id
      where (o.created_at at time zone ${plan.timeZone})::date in (select day from sales_aggregation_runs)
      group by 1, 2`.execute(trx);
  });
  if (plan.analyze ?? true) await sql`analyze`.execute(db);
}
