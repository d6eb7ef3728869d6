-- The SQL of packages/adapters/src/repositories/order.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOrderRepository.nextRefundId
select nextval(pg_get_serial_sequence('refunds', 'id')) as id;

-- PgOrderRepository.add: sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgOrderRepository.add: sent with the COMMIT [2/2]
insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at) values (4001, 7001, 'PAID', 24600, 0, 24600, 0, null, '2026-11-24T09:00:00.000Z'::timestamptz); insert into order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity) values (4001, 8001, 'Keyboard', 12300, 2, 24600, 24600, 0); commit;

-- PgOrderRepository.add: spending a user coupon, sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgOrderRepository.add: spending a user coupon, sent with the COMMIT [2/2]
with spent as (update user_coupons set used_at = '2026-11-24T09:00:00.000Z'::timestamptz, order_id = 4001 where id = 5001 and user_id = 7001 and used_at is null returning id) insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at) select 4001, 7001, 'PAID', 24601, 1001, 23600, 0, spent.id, '2026-11-24T09:00:00.000Z'::timestamptz from spent; insert into order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity) values (4001, 8001, 'Keyboard', 12300, 2, 24600, 23601, 0); commit;

-- PgOrderRepository.ownerOf
-- $1 orderId
select "user_id", "user_coupon_id" from "orders" where "id" = $1;

-- PgOrderRepository.lockById [1/4]
-- $1 orderId
select "id", "user_id", "status", "total_amount", "discount_amount", "paid_amount", "refunded_amount", "user_coupon_id", "created_at", "cancelled_at", "cancel_reason" from "orders" where "id" = $1 for update;

-- PgOrderRepository.lockById [2/4]
-- $1 orderId
select "order_id", "product_id", "name", "unit_price", "quantity", "amount", "paid_amount", "refunded_quantity" from "order_lines" where "order_id" in ($1) order by "order_id", "product_id";

-- PgOrderRepository.lockById [3/4]
-- $1 orderId
select "id", "order_id", "amount", "restocked", "reason", "created_at" from "refunds" where "order_id" in ($1) order by "id";

-- PgOrderRepository.lockById [4/4]
-- $1 orderId
select "refund_id", "product_id", "quantity", "amount" from "refund_lines" where "order_id" in ($1) order by "refund_id", "product_id";

-- PgOrderRepository.saveLifecycle [1/2]
-- $1 status · $2 refundedAmount · $3 = NULL · $4 = NULL · $5 orderId
update "orders" set "status" = $1, "refunded_amount" = $2, "cancelled_at" = $3, "cancel_reason" = $4 where "id" = $5;

-- PgOrderRepository.saveLifecycle [2/2]
-- $1 productId · $2 refundedQuantity · $3 orderId
update order_lines l set refunded_quantity = v.refunded_quantity
from (values ($1::bigint, $2::int)) as v (product_id, refunded_quantity)
where l.order_id = $3 and l.product_id = v.product_id;

-- PgOrderRepository.addRefund [1/2]
-- $1 refundId · $2 orderId · $3 amount · $4 restocked · $5 reason · $6 createdAt
insert into "refunds" ("id", "order_id", "amount", "restocked", "reason", "created_at") values ($1, $2, $3, $4, $5, $6);

-- PgOrderRepository.addRefund [2/2]
-- $1 refundId · $2 orderId · $3 productId · $4 quantity · $5 lineAmount
insert into "refund_lines" ("refund_id", "order_id", "product_id", "quantity", "amount") values ($1, $2, $3, $4, $5);
