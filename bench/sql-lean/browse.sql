-- product-read as SQL, for the mixed day's lean ceiling: already one statement.
-- Variables: -D catalogue=<n>.
\set product random(1, :catalogue)
SELECT id, name, price, stock FROM products WHERE id = :product;
