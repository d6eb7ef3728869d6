-- Issuing a coupon: the statements IssueCoupon runs (packages/application/src/use-cases/coupons/
-- issue-coupon.ts): one read outside any transaction — the coupon's terms and its units left,
-- shared in the service by the requests for that coupon waiting at that moment — answers the
-- refusals; otherwise one transaction writes the user's copy and claims one unit from a free
-- shard (FOR UPDATE SKIP LOCKED, random start) in one statement, the unique (user, coupon) key
-- refusing a second copy. Each `-- @sql` block is the service's statement from
-- packages/adapters/sql (`pnpm sql:snapshot`), filled in by bench/lib/service-sql.ts before the run.
-- (The service also remembers a sold-out coupon in the process and then refuses without any
-- read; the everyday coupon of the mixed day never sells out, so that path is not exercised.)
-- Three differences, all to keep pgbench clients alive (pgbench aborts a client on any SQL error):
-- the read is the one that also says whether the user holds a copy (`couponSeenBy`, the same
-- statement plus that test), so a client never asks twice for one user (the service lets the
-- unique key refuse a second copy); each client draws from users of its own, so two clients never
-- insert the same user's copy at once; and a claim that finds every free shard busy is not
-- followed by the service's wait-for-a-shard round.
-- Variables: -D users=<n> -D coupon=<id>; pgbench_clients comes from bench/lib/pgbench.ts.
\set u 1 + :client_id + :pgbench_clients * random(0, (:users - 1 - :client_id) / :pgbench_clients)
\set start random(0, 31)
-- @sql PgCouponQueries.couponSeenBy \gset c_
--   couponId: :coupon
--   userId: :u
\if not :c_held and :c_remaining > 0
-- @sql KyselyUnitOfWork.run#1
-- @sql PgCouponRepository.issueUnit: a free shard
--   couponId: :coupon
--   userId: :u
--   discountType: :c_discount_type
--   discountValue: :c_discount_value
--   issuedAt: now()
--   expiresAt: :c_expires_at
--   startShard: :start
-- @sql KyselyUnitOfWork.run#2
\endif
