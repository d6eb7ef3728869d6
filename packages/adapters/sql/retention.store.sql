-- The SQL of packages/adapters/src/jobs/retention.store.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgRetentionStore.purgeDeliveredEvents
-- $1 before · $2 limit
DELETE FROM outbox
WHERE seq IN (SELECT seq FROM outbox
               WHERE status = 'DELIVERED' AND delivered_at < $1
               ORDER BY delivered_at
               LIMIT $2)
  AND status = 'DELIVERED';

-- PgRetentionStore.purgeIdempotencyKeys
-- $1 before · $2 limit
DELETE FROM idempotency_keys
WHERE (scope, key) IN (SELECT scope, key FROM idempotency_keys
                        WHERE created_at < $1
                        ORDER BY created_at
                        LIMIT $2);
