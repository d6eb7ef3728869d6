-- A cancel of a PAID order of one line, by its user: the statements CancelOrder runs through the
-- Kysely repositories, in the same order (packages/application/src/use-cases/orders/
-- cancel-order.ts): the owner read, the wallet locked, the order and its lines, refunds and
-- refund lines read under the order's lock, the wallet credited with its REFUND row, the order
-- CANCELLED, then the order.cancelled outbox row and the units put back, both sent with the
-- commit. Each `-- @sql` block is the service's statement from packages/adapters/sql
-- (`pnpm sql:snapshot`), filled in by bench/lib/service-sql.ts before the run.
-- The orders are seeded in the ceilings' copy only (bench/lib/seed.ts, seedCancellableOrders),
-- one line and no coupon each, and picked at random: an order drawn twice is cancelled again (the
-- script has no domain to refuse it), which costs the same statements.
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
\set balance :w_balance + :o_paid_amount
-- @sql PgWalletRepository.saveRefunded
--   balance: :balance
--   now: now()
--   userId: :c_user_id
--   $4: :balance
-- @sql PgBalanceHistoryRepository.append
--   userId: :c_user_id
--   type: 'REFUND'
--   amount: :o_paid_amount
--   balanceAfter: :balance
--   orderId: :o
--   occurredAt: now()
-- @sql PgOrderRepository.saveLifecycle#1
--   status: 'CANCELLED'
--   refundedAmount: :o_paid_amount
--   $3: now()
--   $4: 'bench'
--   orderId: :o
-- What PgOutboxRepository.append and PgProductRepository.putBackStockAtCommit defer and the
-- driver sends with the COMMIT ("…: sent with the COMMIT" in packages/adapters/sql/
-- outbox.repository.sql and product.repository.sql, literals inlined there). The order view as
-- JSON, about the size the service writes. Pipelined, as in order.sql.
\startpipeline
insert into outbox (type, order_id, payload, occurred_at) values ('order.cancelled', :o, json_build_object('orderId', :o::bigint, 'userId', :c_user_id::bigint, 'status', 'CANCELLED', 'items', json_build_array(json_build_object('productId', :l_product_id::bigint, 'name', :l_name::text, 'unitPrice', :l_unit_price::bigint, 'quantity', :l_quantity::int, 'amount', :l_amount::bigint, 'paidAmount', :l_paid_amount::bigint, 'refundedQuantity', 0)), 'totalAmount', :o_total_amount::bigint, 'discountAmount', 0, 'paidAmount', :o_paid_amount::bigint, 'refundedAmount', :o_paid_amount::bigint, 'userCouponId', NULL, 'refunds', json_build_array(), 'createdAt', now(), 'cancelledAt', now()), now());
select put_back_product_stock(:l_product_id, :l_quantity);
commit;
\endpipeline
