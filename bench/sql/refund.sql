-- A refund of the one unit of a PAID order of one line, with restock, by an admin: the
-- statements RefundOrder runs through the Kysely repositories, in the same order
-- (packages/application/src/use-cases/orders/refund-order.ts): the owner read, the wallet locked,
-- the order and its lines, refunds and refund lines read under the order's lock, the refund's id
-- drawn, the wallet credited with its REFUND row, the refund and its line written, the order and
-- its line updated, then the order.refunded outbox row and the units put back, both sent with the
-- commit. Each `-- @sql` block is the service's statement from packages/adapters/sql
-- (`pnpm sql:snapshot`), filled in by bench/lib/service-sql.ts before the run.
-- The orders are cancel.sql's, seeded in the ceilings' copy only, picked at random: an order drawn
-- twice is refunded again (the script has no domain to refuse it), which costs the same statements.
-- Variables: -D orders_lo=<id> -D orders_hi=<id>.
\set o random(:orders_lo, :orders_hi)
-- @sql KyselyUnitOfWork.run#1
-- @sql PgOrderRepository.ownerOf \gset c_
--   orderId: :o
-- @sql PgWalletRepository.lockForUser \gset w_
--   userId: :c_user_id
--   now: now()
-- @sql PgOrderRepository.lockById#1 \gset o_
--   orderId: :o
-- @sql PgOrderRepository.lockById#2 \gset l_
--   orderId: :o
-- @sql PgOrderRepository.lockById#3
--   orderId: :o
-- @sql PgOrderRepository.lockById#4
--   orderId: :o
-- @sql PgOrderRepository.nextRefundId \gset r_
\set balance :w_balance + :l_paid_amount
-- @sql PgWalletRepository.saveRefunded
--   balance: :balance
--   now: now()
--   userId: :c_user_id
--   $4: :balance
-- @sql PgBalanceHistoryRepository.append
--   userId: :c_user_id
--   type: 'REFUND'
--   amount: :l_paid_amount
--   balanceAfter: :balance
--   orderId: :o
--   occurredAt: now()
-- @sql PgOrderRepository.addRefund#1
--   refundId: :r_id
--   orderId: :o
--   amount: :l_paid_amount
--   restocked: true
--   reason: 'bench'
--   createdAt: now()
-- @sql PgOrderRepository.addRefund#2
--   refundId: :r_id
--   orderId: :o
--   productId: :l_product_id
--   quantity: :l_quantity
--   lineAmount: :l_paid_amount
-- @sql PgOrderRepository.saveLifecycle#1
--   status: 'REFUNDED'
--   refundedAmount: :o_paid_amount
--   orderId: :o
-- @sql PgOrderRepository.saveLifecycle#2
--   productId: :l_product_id
--   refundedQuantity: :l_quantity
--   orderId: :o
-- What PgOutboxRepository.append and PgProductRepository.putBackStockAtCommit defer and the
-- driver sends with the COMMIT, as in cancel.sql. The order view with its refund as JSON, about
-- the size the service writes.
\startpipeline
insert into outbox (type, order_id, payload, occurred_at) values ('order.refunded', :o, json_build_object('orderId', :o::bigint, 'userId', :c_user_id::bigint, 'status', 'REFUNDED', 'items', json_build_array(json_build_object('productId', :l_product_id::bigint, 'name', :l_name::text, 'unitPrice', :l_unit_price::bigint, 'quantity', :l_quantity::int, 'amount', :l_amount::bigint, 'paidAmount', :l_paid_amount::bigint, 'refundedQuantity', :l_quantity::int)), 'totalAmount', :o_total_amount::bigint, 'discountAmount', 0, 'paidAmount', :o_paid_amount::bigint, 'refundedAmount', :o_paid_amount::bigint, 'userCouponId', NULL, 'refunds', json_build_array(json_build_object('refundId', :r_id::bigint, 'amount', :l_paid_amount::bigint, 'restocked', true, 'reason', 'bench', 'createdAt', now(), 'items', json_build_array(json_build_object('productId', :l_product_id::bigint, 'quantity', :l_quantity::int, 'amount', :l_paid_amount::bigint)))), 'createdAt', now(), 'cancelledAt', NULL, 'refund', json_build_object('refundId', :r_id::bigint, 'amount', :l_paid_amount::bigint)), now());
select put_back_product_stock(:l_product_id, :l_quantity);
commit;
\endpipeline
