-- The SQL of packages/adapters/src/jobs/advisory.lock.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- runUnderAdvisoryLock [1/4]
begin; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- runUnderAdvisoryLock [2/4]
set local idle_in_transaction_session_timeout = 0;

-- runUnderAdvisoryLock [3/4]
-- $1 key
select pg_try_advisory_xact_lock($1::bigint) as locked;

-- runUnderAdvisoryLock [4/4]
commit;
