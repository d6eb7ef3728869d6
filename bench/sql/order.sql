-- An order of one unit of product :product, paid from the wallet: the statements PlaceOrder runs
-- through the Kysely repositories, in the same order (packages/application/src/use-cases/orders/
-- place-order.ts): products read without locks, the wallet locked, the order, its line, the
-- debit, the PAYMENT history row and the order.paid outbox row written, and the product's stock
-- taken last, with the commit. Each `-- @sql` block is the
-- service's statement from packages/adapters/sql (`pnpm sql:snapshot`), filled in by
-- bench/lib/service-sql.ts before the run.
-- Variables: -D users=<n> -D product_lo=<id> -D product_hi=<id> (the same id for the hot
-- product; the whole catalogue for the mixed day). Variables travel as bind parameters
-- (-M prepared), hence the casts where PostgreSQL cannot infer a type.
\set u random(1, :users)
\set product random(:product_lo, :product_hi)
-- @sql KyselyUnitOfWork.run#1
-- @sql PgProductRepository.findByIds \gset p_
--   productId: :product
-- @sql PgWalletRepository.lockForUser \gset w_
--   userId: :u
--   now: now()
-- @sql PgOrderRepository.nextId \gset o_
-- @sql PgOrderRepository.add#1
--   orderId: :o_id
--   userId: :u
--   totalAmount: :p_price
--   discountAmount: 0
--   paidAmount: :p_price
--   userCouponId: NULL
--   createdAt: now()
-- @sql PgOrderRepository.add#2
--   orderId: :o_id
--   productId: :product
--   productName: :p_name
--   unitPrice: :p_price
--   quantity: 1
--   lineAmount: :p_price
--   linePaidAmount: :p_price
\set after :w_balance - :p_price
-- @sql PgWalletRepository.savePaid
--   balance: :after
--   now: now()
--   userId: :u
-- @sql PgBalanceHistoryRepository.append
--   userId: :u
--   type: 'PAYMENT'
--   amount: :p_price
--   balanceAfter: :after
--   orderId: :o_id
--   occurredAt: now()
-- The order view as JSON, about the size the service writes.
-- @sql PgOutboxRepository.append
--   type: 'order.paid'
--   orderId: :o_id
--   data: json_build_object(
--     'orderId', :o_id::bigint, 'userId', :u::bigint, 'status', 'PAID',
--     'items', json_build_array(json_build_object('productId', :product::bigint, 'name', :p_name::text,
--       'unitPrice', :p_price::bigint, 'quantity', 1, 'amount', :p_price::bigint,
--       'paidAmount', :p_price::bigint, 'refundedQuantity', 0)),
--     'totalAmount', :p_price::bigint, 'discountAmount', 0, 'paidAmount', :p_price::bigint, 'refundedAmount', 0,
--     'userCouponId', NULL, 'refunds', json_build_array(), 'createdAt', now(), 'cancelledAt', NULL)::jsonb
--   occurredAt: now()
-- The hot row, taken with the COMMIT in one round trip: what PgProductRepository.takeStockAtCommit
-- defers and the driver sends with the COMMIT ("PgProductRepository.takeStockAtCommit" in
-- packages/adapters/sql/product.repository.sql, literals inlined: no `-- @sql` block binds them).
-- Pipelined, as the multi-command blocks above: -M prepared takes one command per statement.
\startpipeline
update products set stock = stock - 1 where id = :product;
commit;
\endpipeline
