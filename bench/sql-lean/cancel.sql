-- The lean cancel: what a DBA would write for the same effect and guarantees as CancelOrder on an
-- order of one line without a coupon — the order CANCELLED only if it is still PAID (then nothing
-- else happens), the paid amount credited with its REFUND history row, the units back in a shard
-- of the product, and the order.cancelled event — in one statement, one round trip, no explicit
-- transaction. Each client takes fresh PAID orders in turn from a range seeded for it
-- (bench/lib/seed.ts, lifecycleOrderVariables): an order already cancelled would cost nothing.
-- Variables: -D lean_lo=<id> -D lean_count=<n> -D nclients=<n> -D n=0.
\set n :n + 1
\set o :lean_lo + (:n * :nclients + :client_id) % :lean_count
\set shard random(0, 31)
WITH cancelled AS (
  UPDATE orders SET status = 'CANCELLED', refunded_amount = paid_amount, cancelled_at = now()
  WHERE id = :o AND status = 'PAID'
  RETURNING id, user_id, total_amount, paid_amount
),
credited AS (
  UPDATE wallets w SET balance = w.balance + c.paid_amount, updated_at = now()
  FROM cancelled c WHERE w.user_id = c.user_id
  RETURNING w.user_id, w.balance
),
history AS (
  INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
  SELECT c.user_id, 'REFUND', c.paid_amount, w.balance, c.id, now() FROM cancelled c JOIN credited w USING (user_id)
),
restocked AS (
  UPDATE product_stock_shards s SET remaining = s.remaining + l.quantity
  FROM order_lines l JOIN cancelled c ON c.id = l.order_id
  WHERE s.product_id = l.product_id AND s.shard_no = :shard
)
INSERT INTO outbox (type, order_id, payload, occurred_at)
SELECT 'order.cancelled', c.id, json_build_object('orderId', c.id, 'userId', c.user_id, 'status', 'CANCELLED',
    'items', (SELECT json_agg(json_build_object('productId', l.product_id, 'name', l.name, 'unitPrice', l.unit_price, 'quantity', l.quantity, 'amount', l.amount, 'paidAmount', l.paid_amount, 'refundedQuantity', l.refunded_quantity)) FROM order_lines l WHERE l.order_id = c.id),
    'totalAmount', c.total_amount, 'discountAmount', 0, 'paidAmount', c.paid_amount, 'refundedAmount', c.paid_amount,
    'userCouponId', NULL, 'refunds', json_build_array(), 'createdAt', now(), 'cancelledAt', now()), now()
FROM cancelled c;
