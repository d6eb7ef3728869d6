-- The SQL of packages/adapters/src/unit-of-work/kysely.unit-of-work.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- KyselyUnitOfWork.run [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- KyselyUnitOfWork.run [2/2]
commit;
