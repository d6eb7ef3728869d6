-- The lean charge: what a DBA would write for the same effect and guarantees as ChargeBalance —
-- the wallet created if missing, credited unless the balance would pass the ceiling (then
-- nothing changes), and its CHARGE history row with the balance after — in one statement,
-- one round trip, no explicit transaction.
-- Variables: -D users=<n> -D amount=<won> -D max_balance=<won>.
\set u random(1, :users)
WITH credited AS (
  INSERT INTO wallets AS w (user_id, balance, updated_at) VALUES (:u, :amount, now())
  ON CONFLICT (user_id) DO UPDATE SET balance = w.balance + excluded.balance, updated_at = excluded.updated_at
    WHERE w.balance + excluded.balance <= :max_balance
  RETURNING user_id, balance
)
INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
SELECT user_id, 'CHARGE', :amount, balance, NULL, now() FROM credited;
