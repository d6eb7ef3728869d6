-- The SQL of packages/adapters/src/repositories/wallet.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgWalletRepository.lockForUser
-- $1 userId · $2 = 0 · $3 now
insert into "wallets" ("user_id", "balance", "updated_at") values ($1, $2, $3) on conflict ("user_id") do update set "user_id" = excluded.user_id returning "user_id", "balance", "updated_at";

-- PgWalletRepository.addCharge
-- $1 amount · $2 now · $3 userId · $4 amount · $5 maxBalance
update "wallets" set "balance" = balance + $1::bigint, "updated_at" = $2 where "user_id" = $3 and balance + $4::bigint <= $5 returning "balance";

-- PgWalletRepository.savePaid
-- $1 balance · $2 now · $3 userId · $4 balance
update "wallets" set "balance" = $1, "updated_at" = $2 where "user_id" = $3 and "balance" >= $4;

-- PgWalletRepository.saveRefunded
-- $1 balance · $2 now · $3 userId · $4 balance
update "wallets" set "balance" = $1, "updated_at" = $2 where "user_id" = $3 and "balance" <= $4;
