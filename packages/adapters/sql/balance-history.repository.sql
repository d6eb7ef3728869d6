-- The SQL of packages/adapters/src/repositories/balance-history.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgBalanceHistoryRepository.append
-- $1 userId · $2 type · $3 amount · $4 balanceAfter · $5 orderId · $6 occurredAt
insert into "balance_history" ("user_id", "type", "amount", "balance_after", "order_id", "created_at") values ($1, $2, $3, $4, $5, $6) returning "id";
