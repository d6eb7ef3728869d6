-- The lean coupon issue: one unit claimed from a free shard (FOR UPDATE SKIP LOCKED, random
-- start, as the service spreads its claims) and the user's copy inserted, in one statement. The
-- unique (user, coupon) key refuses a second copy by failing the whole statement, so a unit is
-- never claimed without its copy; no unit left or an expired coupon inserts nothing.
-- Each pgbench client issues to users of its own (:user_base + n × :nclients + client_id), so no
-- client hits the unique key: pgbench would abort it.
-- Variables: -D coupon=<id> -D user_base=<id> -D nclients=<n> -D n=0.
\set n :n + 1
\set u :user_base + :n * :nclients + :client_id
\set start random(0, 31)
WITH picked AS (
  SELECT s.coupon_id, s.shard_no FROM coupon_stock_shards s
  WHERE s.coupon_id = :coupon AND s.remaining > 0
    AND EXISTS (SELECT 1 FROM coupons c WHERE c.id = :coupon AND c.expires_at > now())
  ORDER BY s.shard_no >= :start DESC, s.shard_no
  LIMIT 1
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE coupon_stock_shards s SET remaining = s.remaining - 1
  FROM picked WHERE s.coupon_id = picked.coupon_id AND s.shard_no = picked.shard_no
  RETURNING s.coupon_id
)
INSERT INTO user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at, used_at)
SELECT c.id, :u, c.discount_type, c.discount_value, now(), c.expires_at, NULL
FROM claimed JOIN coupons c ON c.id = claimed.coupon_id;
