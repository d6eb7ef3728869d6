-- product-read as SQL, for the mixed day's lean ceiling: already one statement, the stock summed
-- over the product's shards (migration 0007).
-- Variables: -D catalogue=<n>.
\set product random(1, :catalogue)
SELECT id, name, price, (SELECT sum(remaining) FROM product_stock_shards WHERE product_id = :product) AS stock FROM products WHERE id = :product;
