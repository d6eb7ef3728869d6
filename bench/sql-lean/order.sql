-- The lean order of one unit, paid from the wallet: the wallet debited, the order, its line, the
-- PAYMENT history row and the order.paid event written, and the product's stock taken last, in
-- one statement. The take's WHERE names every insert, so PostgreSQL runs them first (a one-time
-- filter) and locks one of the product's stock shards last, held only to the commit, as the
-- service does (take_product_stock, migration 0007). PostgreSQL keeps the guarantees: the CHECK
-- on wallets.balance and the take's refusal fail the whole statement on an overdraft or an
-- oversell (nothing is written), and a user without a wallet writes nothing (every insert
-- follows from the wallet's update). The product is read without a lock, as the service reads it.
-- Variables: -D users=<n> -D product_lo=<id> -D product_hi=<id>.
\set u random(1, :users)
\set product random(:product_lo, :product_hi)
WITH p AS (
  SELECT id, name, price FROM products WHERE id = :product
),
w AS (
  UPDATE wallets SET balance = balance - (SELECT price FROM p), updated_at = now()
  WHERE user_id = :u AND EXISTS (SELECT 1 FROM p)
  RETURNING user_id, balance
),
o AS (
  INSERT INTO orders (user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at)
  SELECT w.user_id, 'PAID', p.price, 0, p.price, 0, NULL, now() FROM w, p
  RETURNING id, user_id, total_amount, created_at
),
l AS (
  INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity)
  SELECT o.id, p.id, p.name, p.price, 1, p.price, p.price, 0 FROM o, p
  RETURNING order_id
),
h AS (
  INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
  SELECT o.user_id, 'PAYMENT', o.total_amount, w.balance, o.id, now() FROM o, w
  RETURNING id
),
e AS (
  INSERT INTO outbox (type, order_id, payload, occurred_at)
  SELECT 'order.paid', o.id, json_build_object(
    'orderId', o.id, 'userId', o.user_id, 'status', 'PAID',
    'items', json_build_array(json_build_object('productId', p.id, 'name', p.name, 'unitPrice', p.price, 'quantity', 1,
      'amount', p.price, 'paidAmount', p.price, 'refundedQuantity', 0)),
    'totalAmount', o.total_amount, 'discountAmount', 0, 'paidAmount', o.total_amount, 'refundedAmount', 0,
    'userCouponId', NULL, 'refunds', json_build_array(), 'createdAt', o.created_at, 'cancelledAt', NULL), now()
  FROM o, p
  RETURNING seq
)
SELECT take_product_stock(:product, 1)
WHERE EXISTS (SELECT 1 FROM l) AND EXISTS (SELECT 1 FROM h) AND EXISTS (SELECT 1 FROM e);
