-- The SQL of packages/adapters/src/repositories/product.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgProductRepository.add
-- $1 name · $2 price · $3 stock · $4 stock
insert into "products" ("name", "price", "stock", "stock_received") values ($1, $2, $3, $4) returning "id", "name", "price", "stock";

-- PgProductRepository.lockById
-- $1 productId
select "id", "name", "price", "stock" from "products" where "id" = $1 for update;

-- PgProductRepository.save
-- $1 name · $2 price · $3 stock · $4 stock · $5 productId
update "products" set "name" = $1, "price" = $2, "stock_received" = "stock_received" + $3 - "stock", "stock" = $4 where "id" = $5;

-- PgProductRepository.findByIds
-- $1 productId
select "id", "name", "price", "stock" from "products" where "id" in ($1) order by "id";

-- PgProductRepository.takeStockAtCommit: two products, sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgProductRepository.takeStockAtCommit: two products, sent with the COMMIT [2/2]
update products set stock = stock - 2 where id = 8001; update products set stock = stock - 3 where id = 8002; commit;

-- PgProductRepository.increaseStock
-- $1 quantity · $2 productId
update "products" set "stock" = "stock" + $1 where "id" = $2;
