-- An order of one unit of product :product, paid from the wallet: the statements PlaceOrder runs
-- through the Kysely repositories, in the same order (packages/application/src/use-cases/orders/
-- place-order.ts): products read without locks, the wallet locked with the ids of the order and
-- of its PAYMENT row drawn, then the order, its line, the debit with its PAYMENT row, the
-- order.paid outbox row and the product's stock, all sent with the commit. Each `-- @sql` block
-- is the service's statement from packages/adapters/sql (`pnpm sql:snapshot`), filled in by
-- bench/lib/service-sql.ts before the run.
-- Variables: -D users=<n> -D product_lo=<id> -D product_hi=<id> (the same id for the hot
-- product; the whole catalogue for the mixed day). Variables travel as bind parameters
-- (-M prepared), hence the casts where PostgreSQL cannot infer a type.
\set u random(1, :users)
\set product random(:product_lo, :product_hi)
-- The BEGIN of database.factory.ts, with the per-transaction guards and the transaction's id (the
-- midnight horizon), then the products read. The service sends these in one message ("KyselyUnitOfWork.run:
-- an order, beginning with the products read" in packages/adapters/sql/kysely.unit-of-work.sql);
-- here they take two round trips, one more than the service's, because under
-- -M prepared pgbench can neither send several commands in one (`\;`) nor \gset a pipelined one.
-- The ceiling is the lower for it.
-- @sql KyselyUnitOfWork.run#1
-- @sql PgProductRepository.findByIds \gset p_
--   productId: :product
-- @sql PgWalletRepository.lockForOrder \gset w_
--   userId: :u
--   now: now()
-- Everything else rides with the COMMIT in one round trip: what PgOrderRepository.add,
-- PgWalletRepository.addPayment, PgOutboxRepository.append and PgProductRepository.takeStockAtCommit
-- defer and the driver sends with it ("…: sent with the COMMIT" in packages/adapters/sql/
-- order.repository.sql, wallet.repository.sql, outbox.repository.sql and product.repository.sql,
-- literals inlined there: no `-- @sql` block binds them). The order view as JSON, about the size
-- the service writes. Pipelined, as in charge.sql: -M prepared takes one command per statement.
\startpipeline
insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at) values (:w_order_id, :u, 'PAID', :p_price, 0, :p_price, 0, null, now());
insert into order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity) values (:w_order_id, :product, :p_name, :p_price, 1, :p_price, :p_price, 0);
with booked as (update wallets set balance = balance - :p_price, updated_at = now() where user_id = :u and balance = :w_balance returning balance) insert into balance_history (id, user_id, type, amount, balance_after, order_id, created_at) values (:w_payment_id, :u, 'PAYMENT', :p_price, (select balance from booked), :w_order_id, now());
insert into outbox (type, order_id, payload, occurred_at) values ('order.paid', :w_order_id, json_build_object('orderId', :w_order_id::bigint, 'userId', :u::bigint, 'status', 'PAID', 'items', json_build_array(json_build_object('productId', :product::bigint, 'name', :p_name::text, 'unitPrice', :p_price::bigint, 'quantity', 1, 'amount', :p_price::bigint, 'paidAmount', :p_price::bigint, 'refundedQuantity', 0)), 'totalAmount', :p_price::bigint, 'discountAmount', 0, 'paidAmount', :p_price::bigint, 'refundedAmount', 0, 'userCouponId', NULL, 'refunds', json_build_array(), 'createdAt', now(), 'cancelledAt', NULL), now());
select take_product_stock(:product, 1);
commit;
\endpipeline
