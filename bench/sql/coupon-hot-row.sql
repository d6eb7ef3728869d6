-- coupon-rush ceiling (issue 7): one hot counter row, `UPDATE … WHERE remaining > 0`, one
-- statement per transaction. Every client queues on this single row lock until the holder
-- commits: the throughput a coupon gets when issuance serialises on one row.
UPDATE bench_coupon_counter SET remaining = remaining - 1 WHERE id = 1 AND remaining > 0;
