import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * A product's stock split over 32 rows (issue 14's flash sale). With one `products.stock` row,
 * every order of a popular product updated that row at its COMMIT and held it until the commit
 * was on disk, so the product's orders committed one after another: pgbench on the order's own
 * SQL, 20 clients, ran 1,980–2,015 orders/s on one product against 4,040–4,274 spread over 100.
 * The same SQL taking its unit from a free shard among 32 ran 3,715–3,876 (bench/README.md).
 *
 * - `product_stock_shards`: the units on sale, `remaining` per shard; the stock is their sum.
 *   The CHECK refuses a negative shard, and `products.stock_received` (units ever put on sale)
 *   stays on the product.
 * - `product_stock_spread(units)`: how `units` are laid out over the shards — ⌊units / 32⌋ each,
 *   one more for the first (units mod 32). Creation, an admin's edit and the seeds all use it.
 * - `take_product_stock(product, units)`: an order's take, sent with its COMMIT:
 *   1. decrements a shard with the units that no other transaction holds (`SKIP LOCKED`, from a
 *      random shard): never waits;
 *   2. refuses at once when the committed sum is short — even if every take in flight rolls
 *      back, there would not be enough;
 *   3. otherwise waits on the shards with units left, locked in shard order, and takes from each
 *      in turn: the sum was enough, but no single free shard was (every one held in flight, or
 *      the units are scattered). It refuses only if, once their holders have committed, the
 *      shards hold too few.
 *   A refusal is a check_violation naming the shards' CHECK, as a negative shard would be.
 *   Deadlock-free: a transaction takes its products by ascending id (stock-takes.ts); within a
 *   product, step 1 holds one shard and waits for nothing, and step 3 locks in shard order.
 * - `put_back_product_stock(product, units)`: a cancel's or a refund's restock, to a free shard,
 *   else to a random one, waiting for it; false when the product does not exist (0008 raises
 *   instead).
 */
/**
 * Shards per product. The order's own SQL under pgbench, 20 clients, one product against 100
 * (same run, same copy of the bench's data): 16 shards 0.80–0.87×, 32 shards 1.01–1.11×, 64
 * shards 1.02–1.09×. A read of the stock sums them all, so no more than needed.
 */
const SHARDS = 32;

const statements = [
  `create table product_stock_shards (
     product_id bigint not null references products (id),
     shard_no integer not null check (shard_no >= 0),
     remaining bigint not null,
     constraint product_stock_shards_remaining_check check (remaining >= 0),
     primary key (product_id, shard_no)
   )`,

  `create function product_stock_spread(units bigint) returns table (shard_no integer, remaining bigint)
     language sql immutable strict as $$
     select n, units / ${SHARDS} + (case when n < units % ${SHARDS} then 1 else 0 end)
     from generate_series(0, ${SHARDS - 1}) as n
   $$`,

  `insert into product_stock_shards (product_id, shard_no, remaining)
     select p.id, s.shard_no, s.remaining from products p, product_stock_spread(p.stock) s`,

  // Its CHECK (stock_received >= stock) goes with the column.
  `alter table products drop column stock`,
  `alter table products add constraint products_stock_received_check check (stock_received >= 0)`,

  `create function take_product_stock(product bigint, units bigint) returns void language plpgsql as $$
   declare
     start integer := floor(random() * ${SHARDS});
     shard record;
     needed bigint := units;
     taken bigint;
   begin
     update product_stock_shards s set remaining = s.remaining - units
     where s.product_id = product and s.shard_no = (
       select f.shard_no from product_stock_shards f
       where f.product_id = product and f.remaining >= units
       order by f.shard_no >= start desc, f.shard_no
       limit 1 for update skip locked);
     if found then return; end if;

     if (select coalesce(sum(remaining), 0) from product_stock_shards where product_id = product) >= units then
       for shard in
         select shard_no, remaining from product_stock_shards
         where product_id = product and remaining > 0
         order by shard_no for update
       loop
         taken := least(shard.remaining, needed);
         update product_stock_shards set remaining = remaining - taken where product_id = product and shard_no = shard.shard_no;
         needed := needed - taken;
         if needed = 0 then return; end if;
       end loop;
     end if;

     raise exception 'product % has fewer than % units in stock', product, units
       using errcode = 'check_violation', constraint = 'product_stock_shards_remaining_check', table = 'product_stock_shards';
   end
   $$`,

  `create function put_back_product_stock(product bigint, units bigint) returns boolean language plpgsql as $$
   declare
     start integer := floor(random() * ${SHARDS});
   begin
     update product_stock_shards s set remaining = s.remaining + units
     where s.product_id = product and s.shard_no = (
       select f.shard_no from product_stock_shards f
       where f.product_id = product
       order by f.shard_no >= start desc, f.shard_no
       limit 1 for update skip locked);
     if found then return true; end if;

     update product_stock_shards set remaining = remaining + units where product_id = product and shard_no = start;
     return found;
   end
   $$`,
];

export const productStockShards: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
