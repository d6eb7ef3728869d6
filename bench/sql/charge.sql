-- charge: the statements ChargeBalance runs through the Kysely repositories, in the same
-- order and on the same rows (packages/application/src/use-cases/wallet/charge-balance.ts).
-- Variables: -D users=<n> -D amount=<won>.
\set u random(1, :users)
-- open-database.ts: BEGIN carries the per-transaction guards in its round trip
BEGIN \; SET LOCAL lock_timeout = '3000ms' \; SET LOCAL statement_timeout = '30000ms';
-- KyselyUnitOfWork.run: the transaction takes its id first (the midnight horizon)
SELECT pg_current_xact_id();
-- PgWalletRepository.lockForUser: create-or-lock in one statement
INSERT INTO wallets (user_id, balance, updated_at) VALUES (:u, 0, now())
  ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id
  RETURNING user_id, balance, updated_at \gset w_
\set after :w_balance + :amount
-- PgWalletRepository.addCharge: the ceiling (MAX_BALANCE of bench/run.ts) as a condition on the column
UPDATE wallets SET balance = balance + :amount::bigint, updated_at = now() WHERE user_id = :u AND balance + :amount::bigint <= 10000000 RETURNING balance;
-- PgBalanceHistoryRepository.append
INSERT INTO balance_history (user_id, type, amount, balance_after, order_id, created_at)
  VALUES (:u, 'CHARGE', :amount, :after, NULL, now()) RETURNING id;
COMMIT;
