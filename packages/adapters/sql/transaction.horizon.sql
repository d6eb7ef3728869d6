-- The SQL of packages/adapters/src/unit-of-work/transaction.horizon.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgTransactionHorizon.awaitOpenTransactions [1/2]
select coalesce(array_agg(l.transactionid::text), '{}') as ids, now() as at
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where
l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
and a.datname = current_database() and l.pid <> pg_backend_pid();

-- PgTransactionHorizon.awaitOpenTransactions [2/2]
-- $1 ids
select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where
l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
and a.datname = current_database() and l.pid <> pg_backend_pid() and l.transactionid::text = any($1::text[]);
