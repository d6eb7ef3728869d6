-- The SQL of packages/adapters/src/jobs/retention.store.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgRetentionStore.purgeDeliveredEvents
-- $1 before · $2 limit
WITH picked AS MATERIALIZED (
       SELECT seq FROM outbox
        WHERE status = 'DELIVERED' AND delivered_at < $1
        ORDER BY delivered_at
        LIMIT $2
          FOR UPDATE)
DELETE FROM outbox o
 USING picked
 WHERE o.seq = picked.seq;

-- PgRetentionStore.purgeIdempotencyKeys
-- $1 before · $2 limit
WITH picked AS MATERIALIZED (
       SELECT scope, key FROM idempotency_keys
        WHERE created_at < $1
        ORDER BY created_at
        LIMIT $2
          FOR UPDATE)
DELETE FROM idempotency_keys k
 USING picked
 WHERE k.scope = picked.scope
   AND k.key = picked.key;
