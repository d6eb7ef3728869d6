-- The SQL of packages/adapters/src/repositories/outbox.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOutboxRepository.append: sent with the COMMIT [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- PgOutboxRepository.append: sent with the COMMIT [2/2]
insert into outbox (type, order_id, payload, occurred_at) values ('order.paid', 4001, '{"orderId":4001,"status":"PAID"}'::json, '2026-11-24T09:00:00.000Z'::timestamptz); commit;
