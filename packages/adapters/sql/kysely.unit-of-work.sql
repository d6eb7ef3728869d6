-- The SQL of packages/adapters/src/unit-of-work/kysely.unit-of-work.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- KyselyUnitOfWork.run [1/3]
begin; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- KyselyUnitOfWork.run [2/3]
select pg_current_xact_id();

-- KyselyUnitOfWork.run [3/3]
commit;
