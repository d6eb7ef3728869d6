-- The SQL of packages/adapters/src/repositories/outbox.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOutboxRepository.append
-- $1 type · $2 orderId · $3 data · $4 occurredAt
insert into "outbox" ("type", "order_id", "payload", "occurred_at") values ($1, $2, $3, $4);
