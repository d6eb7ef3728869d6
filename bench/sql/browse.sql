-- product-read as SQL, for the mixed day's ceiling: PgProductQueries' read of one product by id.
-- Variables: -D catalogue=<n>.
\set product random(1, :catalogue)
SELECT id, name, price, stock FROM products WHERE id = :product;
