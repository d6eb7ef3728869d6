-- The SQL of packages/adapters/src/queries/catalog.queries.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgCatalogQueries.productById
-- $1 productId
select "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" where "id" = $1;

-- PgCatalogQueries.products: first page
-- $1 limit + 1
select "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" order by "id" limit $1;

-- PgCatalogQueries.products: next page
-- $1 after · $2 limit + 1
select "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" where "id" > $1 order by "id" limit $2;
