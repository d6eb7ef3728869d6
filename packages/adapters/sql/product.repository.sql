-- The SQL of packages/adapters/src/repositories/product.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgProductRepository.add
-- $1 name · $2 price · $3 stock · $4 stock
with product as (
  insert into products (name, price, stock_received) values ($1, $2, $3) returning id, name, price
), shards as (
  insert into product_stock_shards (product_id, shard_no, remaining)
  select product.id, spread.shard_no, spread.remaining from product, product_stock_spread($4) as spread
)
select id, name, price from product;

-- PgProductRepository.lockById
-- $1 productId · $2 productId
with "shards" as (select "remaining" from "product_stock_shards" where "product_id" = $1 order by "shard_no" for update) select "id", "name", "price", (select coalesce(sum(remaining), 0)::bigint from shards) as "stock" from "products" where "id" = $2 for no key update;

-- PgProductRepository.lockDetailsById
-- $1 productId
select "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" where "id" = $1 for no key update;

-- PgProductRepository.saveDetails
-- $1 name · $2 price · $3 productId
update "products" set "name" = $1, "price" = $2 where "id" = $3 returning "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock";

-- PgProductRepository.save
-- $1 productId · $2 stock · $3 productId · $4 stock · $5 name · $6 price · $7 stock · $8 productId
with old as (
  select coalesce(sum(remaining), 0) as stock from product_stock_shards where product_id = $1
), shards as (
  update product_stock_shards s set remaining = spread.remaining
  from product_stock_spread($2) as spread
  where s.product_id = $3 and s.shard_no = spread.shard_no and $4 <> (select stock from old)
)
update products set name = $5, price = $6, stock_received = stock_received + $7 - (select stock from old)
where id = $8;

-- PgProductRepository.findByIds
-- $1 productId
select "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" where "id" in ($1) order by "id";

-- PgProductRepository.takeStockAtCommit: two products, sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgProductRepository.takeStockAtCommit: two products, sent with the COMMIT [2/2]
select take_product_stock(8001, 2); select take_product_stock(8002, 3); commit;

-- PgProductRepository.putBackStockAtCommit: two products, sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgProductRepository.putBackStockAtCommit: two products, sent with the COMMIT [2/2]
select put_back_product_stock(8001, 2); select put_back_product_stock(8002, 3); commit;
