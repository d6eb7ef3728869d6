-- The SQL of packages/adapters/src/repositories/order.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOrderRepository.nextId
-- $1 = 'orders'
select nextval(pg_get_serial_sequence($1, 'id')) as id;

-- PgOrderRepository.nextRefundId
-- $1 = 'refunds'
select nextval(pg_get_serial_sequence($1, 'id')) as id;

-- PgOrderRepository.add [1/2]
-- $1 orderId · $2 userId · $3 = 'PAID' · $4 totalAmount · $5 discountAmount · $6 paidAmount · $7 = 0 · $8 userCouponId · $9 createdAt
insert into "orders" ("id", "user_id", "status", "total_amount", "discount_amount", "paid_amount", "refunded_amount", "user_coupon_id", "created_at") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- PgOrderRepository.add [2/2]
-- $1 orderId · $2 productId · $3 productName · $4 unitPrice · $5 quantity · $6 lineAmount · $7 linePaidAmount · $8 = 0
insert into "order_lines" ("order_id", "product_id", "name", "unit_price", "quantity", "amount", "paid_amount", "refunded_quantity") values ($1, $2, $3, $4, $5, $6, $7, $8);

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
