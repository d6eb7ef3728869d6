-- product-read as SQL, for the mixed day's ceiling: PgCatalogQueries.productById, the read of one
-- product by id. Each `-- @sql` block is the service's statement from packages/adapters/sql
-- (`pnpm sql:snapshot`), filled in by bench/lib/service-sql.ts before the run.
-- Variables: -D catalogue=<n>.
\set product random(1, :catalogue)
-- @sql PgCatalogQueries.productById
--   productId: :product
