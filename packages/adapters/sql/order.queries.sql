-- The SQL of packages/adapters/src/queries/order.queries.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOrderQueries.orderById [1/7]
start transaction isolation level repeatable read read only;

-- PgOrderQueries.orderById [2/7]
set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- PgOrderQueries.orderById [3/7]
-- $1 orderId
select "id", "user_id", "status", "total_amount", "discount_amount", "paid_amount", "refunded_amount", "user_coupon_id", "created_at", "cancelled_at", "cancel_reason" from "orders" where "id" = $1;

-- PgOrderQueries.orderById [4/7]
-- $1 orderId
select "order_id", "product_id", "name", "unit_price", "quantity", "amount", "paid_amount", "refunded_quantity" from "order_lines" where "order_id" in ($1) order by "order_id", "product_id";

-- PgOrderQueries.orderById [5/7]
-- $1 orderId
select "id", "order_id", "amount", "restocked", "reason", "created_at" from "refunds" where "order_id" in ($1) order by "id";

-- PgOrderQueries.orderById [6/7]
-- $1 orderId
select "refund_id", "product_id", "quantity", "amount" from "refund_lines" where "order_id" in ($1) order by "refund_id", "product_id";

-- PgOrderQueries.orderById [7/7]
commit;

-- PgOrderQueries.ordersOf: next page [1/6]
start transaction isolation level repeatable read read only;

-- PgOrderQueries.ordersOf: next page [2/6]
set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- PgOrderQueries.ordersOf: next page [3/6]
-- $1 userId · $2 after · $3 limit + 1
select "id", "user_id", "status", "total_amount", "discount_amount", "paid_amount", "refunded_amount", "user_coupon_id", "created_at", "cancelled_at", "cancel_reason" from "orders" where "user_id" = $1 and "id" < $2 order by "id" desc limit $3;

-- PgOrderQueries.ordersOf: next page [4/6]
-- $1 orderId
select "order_id", "product_id", "name", "unit_price", "quantity", "amount", "paid_amount", "refunded_quantity" from "order_lines" where "order_id" in ($1) order by "order_id", "product_id";

-- PgOrderQueries.ordersOf: next page [5/6]
-- $1 orderId
select "id", "order_id", "amount", "restocked", "reason", "created_at" from "refunds" where "order_id" in ($1) order by "id";

-- PgOrderQueries.ordersOf: next page [6/6]
commit;

-- PgOrderQueries.orders: by status [1/4]
start transaction isolation level repeatable read read only;

-- PgOrderQueries.orders: by status [2/4]
set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- PgOrderQueries.orders: by status [3/4]
-- $1 status · $2 limit + 1
select "id", "user_id", "status", "total_amount", "discount_amount", "paid_amount", "refunded_amount", "user_coupon_id", "created_at", "cancelled_at", "cancel_reason" from "orders" where "status" = $1 order by "id" desc limit $2;

-- PgOrderQueries.orders: by status [4/4]
commit;
