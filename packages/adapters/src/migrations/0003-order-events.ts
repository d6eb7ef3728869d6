import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * Order events the data team can trust (issue 15): per-order delivery order, a replay feed that
 * never skips, a delivery log, and a lease for the scheduler's jobs.
 */
const statements = [
  // The order an event is about: a later event of an order waits while an earlier one is
  // undelivered. Every event so far is an order event with `orderId` in its payload.
  `alter table outbox add column order_id bigint`,
  `update outbox set order_id = coalesce((payload ->> 'orderId')::bigint, 0)`,
  `alter table outbox alter column order_id set not null`,
  // Finds the earlier undelivered events of an order at claim time; stays small (only what is
  // not yet delivered).
  `create index outbox_order_undelivered_idx on outbox (order_id, seq) where status <> 'DELIVERED'`,

  // json, not jsonb: the payload keeps the text the use case wrote, keys in the order of the
  // contract, and is sent as it is.
  `alter table outbox alter column payload type json using payload::json`,

  // The event's public `sequence`, given after commit by the sequencer (see
  // PgOutboxRelayStore.sequenceCommitted): an event is numbered only once it has committed, by
  // one sequencer at a time, each number above every number given before. So a reader paging the
  // feed with `after=` can never be overtaken by a lower number committing later — which a
  // sequence taken inside the writing transaction (`seq`) cannot promise.
  `alter table outbox add column sequence bigint null`,
  `update outbox set sequence = seq`,
  `create unique index outbox_sequence_idx on outbox (sequence)`,
  `create index outbox_unsequenced_idx on outbox (seq) where sequence is null`,
  `create table outbox_sequencer (
     id int primary key check (id = 1),
     last_sequence bigint not null
   )`,
  `insert into outbox_sequencer (id, last_sequence) select 1, coalesce(max(seq), 0) from outbox`,

  // The delivery log: every attempt, whoever made it, kept as long as its event.
  `create table outbox_attempts (
     id bigserial primary key,
     event_seq bigint not null references outbox (seq) on delete cascade,
     attempted_at timestamptz not null,
     outcome text not null check (outcome in ('DELIVERED', 'FAILED')),
     http_status int null,
     duration_ms int not null check (duration_ms >= 0),
     error text null
   )`,
  `create index outbox_attempts_event_idx on outbox_attempts (event_seq, id)`,
  // The retention purge looks for delivered events by delivery time.
  `create index outbox_delivered_at_idx on outbox (delivered_at) where status = 'DELIVERED'`,

  // A job that must run once across scheduler instances holds its row's lease while it runs; a
  // dead holder's lease simply runs out. Rows, not session advisory locks: PgBouncer in
  // transaction mode keeps no session.
  `create table job_leases (
     job text primary key,
     holder uuid not null,
     lease_until timestamptz not null
   )`,
];

export const orderEvents: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
