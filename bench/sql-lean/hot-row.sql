-- The hot-row ceiling (issue 14): one row updated and committed, one statement per transaction.
-- Every client queues on this single row lock until the holder's commit is flushed: the limit of
-- any design that serialises on one row (a product's stock, a coupon's counter).
UPDATE bench_hot_row SET n = n + 1 WHERE id = 1;
