-- The lean refund: what a DBA would write for the same effect and guarantees as RefundOrder
-- refunding, with restock, the one unit of an order of one line — the line's refunded units raised
-- only while they stay within its quantity and the order REFUNDED only if it was PAID (else
-- nothing happens), the refund and its line written, the line's paid amount credited with its
-- REFUND history row, the unit back in a shard of the product, and the order.refunded event — in
-- one statement, one round trip, no explicit transaction. Each client takes fresh PAID orders in
-- turn from a range seeded for it (bench/lib/seed.ts, lifecycleOrderVariables).
-- Variables: -D lean_lo=<id> -D lean_count=<n> -D nclients=<n> -D n=0.
\set n :n + 1
\set o :lean_lo + (:n * :nclients + :client_id) % :lean_count
\set shard random(0, 31)
WITH line AS (
  UPDATE order_lines l SET refunded_quantity = l.refunded_quantity + l.quantity
  FROM orders o WHERE l.order_id = :o AND o.id = l.order_id AND o.status = 'PAID' AND l.refunded_quantity = 0
  RETURNING l.order_id, l.product_id, l.quantity, l.paid_amount
),
refunded AS (
  UPDATE orders o SET status = 'REFUNDED', refunded_amount = o.refunded_amount + line.paid_amount
  FROM line WHERE o.id = line.order_id AND o.status = 'PAID'
  RETURNING o.id, o.user_id, o.total_amount, o.paid_amount, line.product_id, line.quantity, line.paid_amount AS amount
),
refund AS (
  INSERT INTO refunds (order_id, amount, restocked, reason, created_at)
  SELECT id, amount, true, 'bench', now() FROM refunded
  RETURNING id, order_id
),
refund_line AS (
  INSERT INTO refund_lines (refund_id, order_id, product_id, quantity, amount)
  SELECT refund.id, r.id, r.product_id, r.quantity, r.amount FROM refund JOIN refunded r ON r.id = refund.order_id
),
credited AS (
  UPDATE wallets w SET balance = w.balance + r.amount, updated_at = now()
  FROM refunded r WHERE w.user_id = r.user_id
  RETURNING w.user_id, w.balance
),
history AS (
  INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
  SELECT r.user_id, 'REFUND', r.amount, w.balance, r.id, now() FROM refunded r JOIN credited w USING (user_id)
),
restocked AS (
  UPDATE product_stock_shards s SET remaining = s.remaining + r.quantity
  FROM refunded r WHERE s.product_id = r.product_id AND s.shard_no = :shard
)
INSERT INTO outbox (type, order_id, payload, occurred_at)
SELECT 'order.refunded', r.id, json_build_object('orderId', r.id, 'userId', r.user_id, 'status', 'REFUNDED',
    'totalAmount', r.total_amount, 'paidAmount', r.paid_amount, 'refundedAmount', r.paid_amount,
    'refund', json_build_object('refundId', refund.id, 'amount', r.amount, 'restocked', true,
      'items', json_build_array(json_build_object('productId', r.product_id, 'quantity', r.quantity, 'amount', r.amount)))), now()
FROM refunded r JOIN refund ON refund.order_id = r.id;
