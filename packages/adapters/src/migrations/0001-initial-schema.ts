import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * The whole schema of the first release. Money is bigint won; constraints are the last line
 * of defence behind the domain (a bug may fail a request, never break an invariant). The
 * wallet ceiling comes from configuration, so SQL checks only balance >= 0.
 */
const statements = [
  `create table wallets (
     user_id bigint primary key check (user_id > 0),
     balance bigint not null check (balance >= 0),
     updated_at timestamptz not null
   )`,

  `create table products (
     id bigserial primary key,
     name text not null check (length(name) between 1 and 200),
     price bigint not null check (price >= 1),
     stock bigint not null check (stock >= 0),
     -- initial stock plus every admin adjustment: stock_received - units sold = stock
     stock_received bigint not null check (stock_received >= stock),
     created_at timestamptz not null default now()
   )`,

  `create table coupons (
     id bigserial primary key,
     name text not null check (length(name) between 1 and 200),
     discount_type text not null check (discount_type in ('FIXED', 'RATE')),
     discount_value bigint not null check (discount_value >= 1),
     total_quantity integer not null check (total_quantity > 0),
     expires_at timestamptz not null,
     created_at timestamptz not null default now(),
     check (discount_type <> 'RATE' or discount_value <= 100)
   )`,

  // A coupon's unissued units, split over up to 32 rows so concurrent claims do not queue on
  // one row (see repositories/coupon.repository.ts).
  `create table coupon_stock_shards (
     coupon_id bigint not null references coupons (id),
     shard_no integer not null check (shard_no >= 0),
     remaining integer not null check (remaining >= 0),
     primary key (coupon_id, shard_no)
   )`,

  `create table orders (
     id bigserial primary key,
     user_id bigint not null check (user_id > 0),
     status text not null check (status in ('PAID')),
     total_amount bigint not null check (total_amount >= 0),
     discount_amount bigint not null check (discount_amount >= 0),
     paid_amount bigint not null check (paid_amount >= 0),
     user_coupon_id bigint null unique,
     created_at timestamptz not null,
     check (paid_amount = total_amount - discount_amount)
   )`,
  `create index orders_user_id_id_idx on orders (user_id, id desc)`,
  `create index orders_created_at_idx on orders (created_at)`,

  `create table order_lines (
     order_id bigint not null references orders (id),
     product_id bigint not null references products (id),
     name text not null,
     unit_price bigint not null check (unit_price >= 1),
     quantity integer not null check (quantity between 1 and 1000),
     amount bigint not null check (amount = unit_price * quantity),
     primary key (order_id, product_id)
   )`,
  `create index order_lines_product_id_idx on order_lines (product_id)`,

  `create table user_coupons (
     id bigserial primary key,
     coupon_id bigint not null references coupons (id),
     user_id bigint not null check (user_id > 0),
     discount_type text not null check (discount_type in ('FIXED', 'RATE')),
     discount_value bigint not null check (discount_value >= 1),
     issued_at timestamptz not null,
     expires_at timestamptz not null,
     used_at timestamptz null,
     order_id bigint null unique references orders (id),
     constraint user_coupons_one_per_user unique (user_id, coupon_id),
     check ((used_at is null) = (order_id is null))
   )`,
  `create index user_coupons_user_id_id_idx on user_coupons (user_id, id desc)`,
  `alter table orders add constraint orders_user_coupon_id_fkey foreign key (user_coupon_id) references user_coupons (id)`,

  `create table balance_history (
     id bigserial primary key,
     user_id bigint not null references wallets (user_id),
     type text not null check (type in ('CHARGE', 'PAYMENT')),
     amount bigint not null check (amount >= 0),
     balance_after bigint not null check (balance_after >= 0),
     order_id bigint null references orders (id),
     created_at timestamptz not null,
     check ((type = 'PAYMENT') = (order_id is not null))
   )`,
  `create index balance_history_user_id_id_idx on balance_history (user_id, id desc)`,

  // The relay (packages/adapters/src/outbox-relay) codes against exactly this shape.
  `create table outbox (
     seq bigserial primary key,
     event_id uuid not null unique default gen_random_uuid(),
     type text not null,
     payload jsonb not null,
     occurred_at timestamptz not null,
     status text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'FAILED')),
     attempts int not null default 0,
     next_attempt_at timestamptz not null default now(),
     claim_token uuid null,
     lease_until timestamptz null,
     last_error text null,
     created_at timestamptz not null default now(),
     delivered_at timestamptz null
   )`,
  `create index outbox_due_idx on outbox (next_attempt_at, seq) where status = 'PENDING'`,
  `create index outbox_status_seq_idx on outbox (status, seq)`,

  `create table idempotency_keys (
     scope text not null,
     key text not null,
     fingerprint text not null,
     status text not null check (status in ('IN_PROGRESS', 'COMPLETED')),
     response_status int null,
     response_body text null,
     response_content_type text null,
     created_at timestamptz not null,
     primary key (scope, key)
   )`,
  `create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`,

  `create table daily_product_sales (
     day date not null,
     product_id bigint not null references products (id),
     quantity bigint not null check (quantity > 0),
     revenue bigint not null check (revenue >= 0),
     primary key (day, product_id)
   )`,

  `create table sales_aggregation_runs (
     day date primary key,
     aggregated_at timestamptz not null,
     complete boolean not null
   )`,
];

export const initialSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // One statement per call: PGlite's extended protocol takes a single statement at a time.
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
