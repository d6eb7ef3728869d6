-- The SQL of packages/adapters/src/repositories/wallet.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgWalletRepository.lockForUser
-- $1 userId · $2 = 0 · $3 now
insert into "wallets" ("user_id", "balance", "updated_at") values ($1, $2, $3) on conflict ("user_id") do update set "user_id" = excluded.user_id returning "user_id", "balance", "updated_at";

-- PgWalletRepository.lockForCharge
-- $1 userId · $2 = 0
insert into "wallets" ("user_id", "balance", "updated_at") values ($1, $2, now()) on conflict ("user_id") do update set "user_id" = excluded.user_id returning "user_id", "balance", "updated_at", nextval('balance_history_id_seq') as "charge_id";

-- PgWalletRepository.addCharge: sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgWalletRepository.addCharge: sent with the COMMIT [2/2]
with booked as (update wallets set balance = balance + 20000, updated_at = '2026-11-24T09:00:00.000Z'::timestamptz where user_id = 7001 and balance = 33000 and balance + 20000 <= 10000000 returning balance) insert into balance_history (id, user_id, type, amount, balance_after, order_id, created_at) values (9001, 7001, 'CHARGE', 20000, (select balance from booked), null, '2026-11-24T09:00:00.000Z'::timestamptz); commit;

-- PgWalletRepository.lockForOrder
-- $1 userId · $2 = 0 · $3 now
insert into "wallets" ("user_id", "balance", "updated_at") values ($1, $2, $3) on conflict ("user_id") do update set "user_id" = excluded.user_id returning "user_id", "balance", "updated_at", nextval('orders_id_seq') as "order_id", nextval('balance_history_id_seq') as "payment_id";

-- PgWalletRepository.addPayment: sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgWalletRepository.addPayment: sent with the COMMIT [2/2]
with booked as (update wallets set balance = balance - 23600, updated_at = '2026-11-24T09:00:00.000Z'::timestamptz where user_id = 7001 and balance = 53000 returning balance) insert into balance_history (id, user_id, type, amount, balance_after, order_id, created_at) values (9002, 7001, 'PAYMENT', 23600, (select balance from booked), 4001, '2026-11-24T09:00:00.000Z'::timestamptz); commit;

-- PgWalletRepository.saveRefunded
-- $1 balance · $2 now · $3 userId · $4 balance
update "wallets" set "balance" = $1, "updated_at" = $2 where "user_id" = $3 and "balance" <= $4;
