import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * The incremental invariant audit (docs/architecture.md#invariants, issue 14): the whole audit reads
 * every order, history row and event (48 s at 1,000,000 orders), so after a clean one the next
 * checks only what can have changed since.
 *
 * - `invariant_checkpoint`: what the last clean audit verified, one row. The watermarks are the
 *   last ids of each sequence that every committed row at or below was in its snapshot; the marks
 *   are the per-product units out (sold − put back) and per-coupon issued counts of the rows at or
 *   below them, and the aggregated days whose statistics it checked (`{ "2026-11-24":
 *   "<aggregated_at>" }`): the next audit adds what came above the watermarks.
 * - balance_history is append-only, refused by PostgreSQL: a row checked once (its balance_after
 *   is the previous row's plus or minus its amount) stays checked, so a wallet is checked against
 *   its last row alone. Nothing in the service updates or deletes it, retention included.
 * - outbox (order_id, seq): an order's events by index, delivered ones included (the relay's index
 *   holds the undelivered only), so the events of the orders that changed are read alone.
 */
const statements = [
  `create table invariant_checkpoint (
     id int primary key check (id = 1),
     checked_at timestamptz not null,
     balance_history_id bigint not null,
     order_id bigint not null,
     refund_id bigint not null,
     outbox_seq bigint not null,
     user_coupon_id bigint not null,
     units_out jsonb not null,
     coupons_issued jsonb not null,
     aggregated_days jsonb not null
   )`,

  `create function balance_history_append_only() returns trigger language plpgsql as $$
   begin
     raise exception 'balance_history is append-only: % refused', tg_op using errcode = 'restrict_violation';
   end
   $$`,
  `create trigger balance_history_append_only before update or delete or truncate on balance_history
     for each statement execute function balance_history_append_only()`,

  `create index outbox_order_id_seq_idx on outbox (order_id, seq)`,
];

export const invariantCheckpoint: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
