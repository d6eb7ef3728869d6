-- The SQL of packages/adapters/src/repositories/wallet.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgWalletRepository.lockForUser
-- $1 userId · $2 = 0 · $3 now
insert into "wallets" ("user_id", "balance", "updated_at") values ($1, $2, $3) on conflict ("user_id") do update set "user_id" = excluded.user_id returning "user_id", "balance", "updated_at";

-- PgWalletRepository.addCharge
-- $1 amount · $2 now · $3 userId · $4 amount · $5 maxBalance · $6 type · $7 amount · $8 now
with "charged" as (update "wallets" set "balance" = balance + $1::bigint, "updated_at" = $2 where "user_id" = $3 and balance + $4::bigint <= $5 returning "user_id", "balance") insert into "balance_history" ("user_id", "type", "amount", "balance_after", "order_id", "created_at") select "charged"."user_id", $6::text as "type", $7::bigint as "amount", "charged"."balance", null::bigint as "order_id", $8::timestamptz as "created_at" from "charged" returning "id", "balance_after";

-- PgWalletRepository.savePaid
-- $1 balance · $2 now · $3 userId · $4 balance
update "wallets" set "balance" = $1, "updated_at" = $2 where "user_id" = $3 and "balance" >= $4;

-- PgWalletRepository.saveRefunded
-- $1 balance · $2 now · $3 userId · $4 balance
update "wallets" set "balance" = $1, "updated_at" = $2 where "user_id" = $3 and "balance" <= $4;
