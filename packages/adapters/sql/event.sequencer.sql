-- The SQL of packages/adapters/src/outbox-relay/event.sequencer.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- sequenceCommittedEvents
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
