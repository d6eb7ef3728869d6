-- The SQL of packages/adapters/src/repositories/stock-takes.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- stockRefusal
-- $1 productId
select "id", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" where "id" in ($1);
