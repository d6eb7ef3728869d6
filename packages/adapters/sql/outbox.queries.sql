-- The SQL of packages/adapters/src/outbox-relay/outbox.queries.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgOutboxQueries.events: next page
-- $1 status · $2 after · $3 limit + 1
select "seq", "event_id", "type", "status", "attempts", "next_attempt_at", "last_error", "created_at", "delivered_at" from "outbox" where "status" = $1 and "seq" < $2 order by "seq" desc limit $3;

-- PgOutboxQueries.event [1/2]
-- $1 eventId
select * from "outbox" where "event_id" = $1;

-- PgOutboxQueries.event [2/2]
-- $1 seq
select "attempted_at", "outcome", "http_status", "duration_ms", "error" from "outbox_attempts" where "event_seq" = $1 order by "id";

-- PgOutboxQueries.feed: one type [1/2]
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

-- PgOutboxQueries.feed: one type [2/2]
-- $1 after · $2 type · $3 limit
select "sequence", "event_id", "type", "occurred_at", "payload", "status", "attempts", "delivered_at" from "outbox" where "sequence" > $1 and "type" = $2 order by "sequence" limit $3;
