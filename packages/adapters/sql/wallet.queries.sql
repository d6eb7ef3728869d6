-- The SQL of packages/adapters/src/queries/wallet.queries.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgWalletQueries.balanceOf
-- $1 userId
select "user_id", "balance", "updated_at" from "wallets" where "user_id" = $1;

-- PgWalletQueries.historyOf: next page
-- $1 userId · $2 after · $3 limit + 1
select "id", "type", "amount", "balance_after", "order_id", "created_at" from "balance_history" where "user_id" = $1 and "id" < $2 order by "id" desc limit $3;
