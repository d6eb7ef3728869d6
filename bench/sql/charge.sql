-- charge: the statements ChargeBalance runs through the Kysely repositories, in the same order
-- and on the same rows (packages/application/src/use-cases/wallet/charge-balance.ts). Each
-- `-- @sql` block is the service's statement from packages/adapters/sql (`pnpm sql:snapshot`),
-- filled in by bench/lib/service-sql.ts before the run.
-- Variables: -D users=<n> -D amount=<won>.
\set u random(1, :users)
-- The BEGIN of database.factory.ts, with the per-transaction guards and the transaction's id (the
-- midnight horizon), then the wallet locked and the id of the history row the charge will write
-- reserved. The service sends these in one message ("KyselyUnitOfWork.run: beginning with its
-- first statement" in packages/adapters/sql/kysely.unit-of-work.sql); here they take two round
-- trips, one more than the service's, because under -M prepared pgbench can neither send
-- several commands in one (`\;`) nor \gset a pipelined one. The ceiling is the lower for it.
-- @sql KyselyUnitOfWork.run#1
-- @sql PgWalletRepository.lockForCharge \gset w_
--   userId: :u
-- The charge, taken with the COMMIT in one round trip: what PgWalletRepository.addCharge defers
-- and the driver sends with the COMMIT ("PgWalletRepository.addCharge: sent with the COMMIT" in
-- packages/adapters/sql/wallet.repository.sql, literals inlined there: no `-- @sql` block binds
-- them). The ceiling (MAX_BALANCE of bench/run.ts) is a condition on the column.
-- Pipelined, as in order.sql: -M prepared takes one command per statement.
\startpipeline
with booked as (update wallets set balance = balance + :amount, updated_at = now() where user_id = :u and balance = :w_balance and balance + :amount <= 10000000 returning balance) insert into balance_history (id, user_id, type, amount, balance_after, order_id, created_at) values (:w_charge_id, :u, 'CHARGE', :amount, (select balance from booked), null, now());
commit;
\endpipeline
