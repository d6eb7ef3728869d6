-- An order of one unit of product :product, paid from the wallet: the statements PlaceOrder
-- runs through the Kysely repositories, in the same order (packages/application/src/use-cases/
-- orders/place-order.ts): products read without locks, the wallet locked, the order, its line,
-- the debit, the PAYMENT history row and the order.paid outbox row written, and the product's
-- stock taken last with one conditional write, right before commit.
-- Variables: -D users=<n> -D product_lo=<id> -D product_hi=<id> (the same id for the hot
-- product; the whole catalogue for the mixed day). Variables travel as bind parameters
-- (-M prepared), hence the casts where PostgreSQL cannot infer a type.
\set u random(1, :users)
\set product random(:product_lo, :product_hi)
-- open-database.ts: BEGIN carries the per-transaction guards in its round trip
BEGIN \; SET LOCAL lock_timeout = '3000ms' \; SET LOCAL statement_timeout = '30000ms';
-- KyselyUnitOfWork.run: the transaction takes its id first (the midnight horizon)
SELECT pg_current_xact_id();
-- PgProductRepository.findByIds
SELECT id, name, price, stock FROM products WHERE id IN (:product) ORDER BY id \gset p_
-- PgWalletRepository.lockForUser
INSERT INTO wallets (user_id, balance, updated_at) VALUES (:u, 0, now())
  ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id
  RETURNING user_id, balance, updated_at \gset w_
-- PgOrderRepository.nextId
SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id \gset o_
-- PgOrderRepository.add
INSERT INTO orders (id, user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at)
  VALUES (:o_id, :u, 'PAID', :p_price, 0, :p_price, 0, NULL, now());
INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity)
  VALUES (:o_id, :product, :p_name, :p_price, 1, :p_price, :p_price, 0);
\set after :w_balance - :p_price
-- PgWalletRepository.save
UPDATE wallets SET balance = :after, updated_at = now() WHERE user_id = :u AND :after::bigint <= 10000000::bigint; -- the ceiling, MAX_BALANCE of bench/run.ts
-- PgBalanceHistoryRepository.append
INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
  VALUES (:u, 'PAYMENT', :p_price, :after, :o_id, now()) RETURNING id;
-- PgOutboxRepository.append: the order view as JSON, about the size the service writes
INSERT INTO outbox (type, payload, occurred_at) VALUES ('order.paid', json_build_object(
  'orderId', :o_id::bigint, 'userId', :u::bigint, 'status', 'PAID',
  'items', json_build_array(json_build_object('productId', :product::bigint, 'name', :p_name::text,
    'unitPrice', :p_price::bigint, 'quantity', 1, 'amount', :p_price::bigint,
    'paidAmount', :p_price::bigint, 'refundedQuantity', 0)),
  'totalAmount', :p_price::bigint, 'discountAmount', 0, 'paidAmount', :p_price::bigint, 'refundedAmount', 0,
  'userCouponId', NULL, 'refunds', json_build_array(), 'createdAt', now(), 'cancelledAt', NULL)::jsonb, now());
-- PgProductRepository.decreaseStock: the hot row, locked last
UPDATE products SET stock = stock - 1 WHERE id = :product AND stock >= 1 RETURNING id;
COMMIT;
