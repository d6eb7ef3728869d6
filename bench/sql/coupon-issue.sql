-- Issuing a coupon: the statements IssueCoupon runs (packages/application/src/use-cases/coupons/
-- issue-coupon.ts): one read outside any transaction — the coupon's terms, its units left and
-- whether the user already holds one — answers every refusal; otherwise the user's copy is
-- inserted and one unit claimed last from a free shard (FOR UPDATE SKIP LOCKED, random start) in
-- one transaction. Each `-- @sql` block is the service's statement from packages/adapters/sql
-- (`pnpm sql:snapshot`), filled in by bench/lib/service-sql.ts before the run.
-- (The service also remembers a sold-out coupon in the process and then refuses without any
-- read; the everyday coupon of the mixed day never sells out, so that path is not exercised.)
-- Two differences, both to keep pgbench clients alive (pgbench aborts a client on any SQL error):
-- each client draws from users of its own, so two clients never insert the same user's copy at
-- once (the service lets the unique (user, coupon) key fail the second); and a claim that finds
-- every free shard busy is not followed by the service's wait-for-a-shard round.
-- Variables: -D users=<n> -D coupon=<id>; pgbench_clients comes from bench/lib/pgbench.ts.
\set u 1 + :client_id + :pgbench_clients * random(0, (:users - 1 - :client_id) / :pgbench_clients)
\set start random(0, 31)
-- @sql PgCouponQueries.couponSeenBy \gset c_
--   couponId: :coupon
--   userId: :u
\if not :c_held and :c_remaining > 0
-- @sql KyselyUnitOfWork.run#1
-- @sql PgUserCouponRepository.add
--   couponId: :coupon
--   userId: :u
--   discountType: :c_discount_type
--   discountValue: :c_discount_value
--   issuedAt: now()
--   expiresAt: :c_expires_at
-- @sql PgCouponRepository.claimUnit: a free shard
--   couponId: :coupon
--   startShard: :start
-- @sql KyselyUnitOfWork.run#2
\endif
