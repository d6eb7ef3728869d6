-- The SQL of packages/adapters/src/outbox-relay/outbox-relay.store.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOutboxRelayStore.claimDue [1/2]
-- $1 maxPerRun
WITH picked AS MATERIALIZED (
       SELECT seq
         FROM outbox
        WHERE sequence IS NULL
        ORDER BY seq
        LIMIT $1
          FOR UPDATE),
     pending AS (
       SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM picked),
     counter AS (
       UPDATE outbox_sequencer
          SET last_sequence = last_sequence + (SELECT count(*) FROM pending)
        WHERE id = 1 AND EXISTS (SELECT 1 FROM pending)
    RETURNING last_sequence - (SELECT count(*) FROM pending) AS base)
UPDATE outbox o
   SET sequence = counter.base + pending.n
  FROM pending, counter
 WHERE o.seq = pending.seq;

-- PgOutboxRelayStore.claimDue [2/2]
-- $1 limit · $2 leaseMs
WITH picked AS MATERIALIZED (
          SELECT c.seq FROM outbox c
           WHERE c.status = 'PENDING'
             AND c.sequence IS NOT NULL
             AND c.next_attempt_at <= now()
             AND (c.lease_until IS NULL OR c.lease_until < now())
             AND c.seq = (
                   SELECT min(earliest.seq) FROM outbox earliest
                    WHERE earliest.order_id = c.order_id
                      AND earliest.status <> 'DELIVERED')
           ORDER BY c.seq
           LIMIT $1
             FOR UPDATE OF c SKIP LOCKED)
   UPDATE outbox o
      SET claim_token = gen_random_uuid(),
          lease_until = now() + $2 * interval '1 millisecond',
          attempts = o.attempts + 1
     FROM picked
    WHERE o.seq = picked.seq
      AND o.status = 'PENDING'
RETURNING o.seq, o.sequence, o.event_id, o.type, o.payload, o.occurred_at, o.attempts, o.claim_token;

-- PgOutboxRelayStore.claimDue: a malformed row is parked [1/3]
-- $1 maxPerRun
WITH picked AS MATERIALIZED (
       SELECT seq
         FROM outbox
        WHERE sequence IS NULL
        ORDER BY seq
        LIMIT $1
          FOR UPDATE),
     pending AS (
       SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM picked),
     counter AS (
       UPDATE outbox_sequencer
          SET last_sequence = last_sequence + (SELECT count(*) FROM pending)
        WHERE id = 1 AND EXISTS (SELECT 1 FROM pending)
    RETURNING last_sequence - (SELECT count(*) FROM pending) AS base)
UPDATE outbox o
   SET sequence = counter.base + pending.n
  FROM pending, counter
 WHERE o.seq = pending.seq;

-- PgOutboxRelayStore.claimDue: a malformed row is parked [2/3]
-- $1 limit · $2 leaseMs
WITH picked AS MATERIALIZED (
          SELECT c.seq FROM outbox c
           WHERE c.status = 'PENDING'
             AND c.sequence IS NOT NULL
             AND c.next_attempt_at <= now()
             AND (c.lease_until IS NULL OR c.lease_until < now())
             AND c.seq = (
                   SELECT min(earliest.seq) FROM outbox earliest
                    WHERE earliest.order_id = c.order_id
                      AND earliest.status <> 'DELIVERED')
           ORDER BY c.seq
           LIMIT $1
             FOR UPDATE OF c SKIP LOCKED)
   UPDATE outbox o
      SET claim_token = gen_random_uuid(),
          lease_until = now() + $2 * interval '1 millisecond',
          attempts = o.attempts + 1
     FROM picked
    WHERE o.seq = picked.seq
      AND o.status = 'PENDING'
RETURNING o.seq, o.sequence, o.event_id, o.type, o.payload, o.occurred_at, o.attempts, o.claim_token;

-- PgOutboxRelayStore.claimDue: a malformed row is parked [3/3]
-- $1 = 'FAILED' · $2 = NULL · $3 = NULL · $4 = <a text the code composes> · $5 claimToken
update "outbox" set "status" = $1, "claim_token" = $2, "lease_until" = $3, "last_error" = $4 where "claim_token" = $5;

-- PgOutboxRelayStore.settle
-- $1 = <a text the code composes>
WITH outcome AS (
       SELECT * FROM json_to_recordset($1::json) AS v(
         sequence bigint, claim_token uuid, kind text, next_attempt_at timestamptz, attempted_at timestamptz,
         outcome text, http_status int, duration_ms int, error text)),
     logged AS (
       INSERT INTO outbox_attempts (event_seq, attempted_at, outcome, http_status, duration_ms, error)
       SELECT e.seq, v.attempted_at, v.outcome, v.http_status, v.duration_ms, v.error
         FROM outcome v JOIN outbox e ON e.sequence = v.sequence)
UPDATE outbox o
   SET status = CASE v.kind WHEN 'delivered' THEN 'DELIVERED' WHEN 'park' THEN 'FAILED' ELSE 'PENDING' END,
       delivered_at = CASE WHEN v.kind = 'delivered' THEN now() ELSE o.delivered_at END,
       next_attempt_at = coalesce(v.next_attempt_at, o.next_attempt_at),
       last_error = CASE WHEN v.kind = 'delivered' THEN o.last_error ELSE v.error END,
       claim_token = NULL,
       lease_until = NULL
  FROM outcome v
 WHERE o.claim_token = v.claim_token
   AND o.status = 'PENDING';

-- PgOutboxRelayStore.requeueFailed: not a failed event [1/2]
-- $1 = 'PENDING' · $2 = 0 · $3 = NULL · $4 = NULL · $5 eventId · $6 = 'FAILED'
update "outbox" set "status" = $1, "attempts" = $2, "next_attempt_at" = now(), "claim_token" = $3, "lease_until" = $4 where "event_id" = $5 and "status" = $6 returning "seq";

-- PgOutboxRelayStore.requeueFailed: not a failed event [2/2]
-- $1 eventId
select "status" from "outbox" where "event_id" = $1;
