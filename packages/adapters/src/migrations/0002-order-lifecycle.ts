import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * The order lifecycle: PAID → PARTIALLY_REFUNDED → REFUNDED, or PAID → CANCELLED. Each line
 * keeps its share of the paid amount (fixed at placement) and how many of its units came back;
 * refunds and their lines are rows of their own; a refund or a cancellation credits the wallet
 * with a REFUND history row. The constraints back the invariants (docs/architecture.md) where one row can tell;
 * what needs several rows, `checkInvariants` verifies.
 */
const statements = [
  // Orders: the four states, the money given back, and when a cancellation happened.
  `alter table orders drop constraint orders_status_check`,
  `alter table orders add constraint orders_status_check
     check (status in ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED'))`,
  `alter table orders add column refunded_amount bigint not null default 0`,
  `alter table orders add column cancelled_at timestamptz null`,
  `alter table orders add column cancel_reason text null`,
  `alter table orders add constraint orders_refunded_amount_check check (refunded_amount between 0 and paid_amount)`,
  `alter table orders add constraint orders_paid_has_no_refund_check check (status <> 'PAID' or refunded_amount = 0)`,
  `alter table orders add constraint orders_refunded_in_full_check
     check (status not in ('REFUNDED', 'CANCELLED') or refunded_amount = paid_amount)`,
  `alter table orders add constraint orders_cancelled_at_check check ((status = 'CANCELLED') = (cancelled_at is not null))`,
  `alter table orders add constraint orders_cancel_reason_check
     check (cancel_reason is null or (status = 'CANCELLED' and length(cancel_reason) between 1 and 500))`,
  // A user coupon pays at most one order that is not cancelled: a cancellation frees it for a
  // new order, while two live orders can never share it.
  `alter table orders drop constraint orders_user_coupon_id_key`,
  `create unique index orders_user_coupon_id_live_key on orders (user_coupon_id)
     where user_coupon_id is not null and status <> 'CANCELLED'`,
  `create index orders_status_id_idx on orders (status, id desc)`,
  `create index orders_cancelled_at_idx on orders (cancelled_at) where cancelled_at is not null`,

  // Order lines: the paid share and the units given back.
  `alter table order_lines add column paid_amount bigint null`,
  `alter table order_lines add column refunded_quantity integer not null default 0`,
  // Existing orders get the shares they would have had: the paid amount split in proportion to
  // the lines' amounts, rounded down, the won left over one each to the largest remainders
  // (ties: lower product id) — exactly what the domain does for new orders.
  `with exact as (
     select l.order_id, l.product_id, o.paid_amount,
            div(o.paid_amount::numeric * l.amount, o.total_amount) as share,
            mod(o.paid_amount::numeric * l.amount, o.total_amount) as remainder
     from order_lines l join orders o on o.id = l.order_id
   ),
   ranked as (
     select order_id, product_id, share,
            paid_amount - sum(share) over (partition by order_id) as leftover,
            row_number() over (partition by order_id order by remainder desc, product_id) as place
     from exact
   )
   update order_lines l
      set paid_amount = (r.share + case when r.place <= r.leftover then 1 else 0 end)::bigint
     from ranked r
    where r.order_id = l.order_id and r.product_id = l.product_id`,
  `alter table order_lines alter column paid_amount set not null`,
  `alter table order_lines add constraint order_lines_paid_amount_check check (paid_amount between 0 and amount)`,
  `alter table order_lines add constraint order_lines_refunded_quantity_check check (refunded_quantity between 0 and quantity)`,

  `create table refunds (
     id bigserial primary key,
     order_id bigint not null references orders (id),
     amount bigint not null check (amount >= 0),
     restocked boolean not null,
     reason text null check (reason is null or length(reason) between 1 and 500),
     created_at timestamptz not null,
     unique (id, order_id)
   )`,
  `create index refunds_order_id_idx on refunds (order_id, id)`,
  `create index refunds_created_at_idx on refunds (created_at)`,
  // A refund line belongs to its refund's order, and to a line of that order.
  `create table refund_lines (
     refund_id bigint not null,
     order_id bigint not null,
     product_id bigint not null,
     quantity integer not null check (quantity between 1 and 1000),
     amount bigint not null check (amount >= 0),
     primary key (refund_id, product_id),
     foreign key (refund_id, order_id) references refunds (id, order_id),
     foreign key (order_id, product_id) references order_lines (order_id, product_id)
   )`,
  `create index refund_lines_order_id_product_id_idx on refund_lines (order_id, product_id)`,

  // REFUND history rows: money given back for an order.
  `alter table balance_history drop constraint balance_history_type_check`,
  `alter table balance_history add constraint balance_history_type_check check (type in ('CHARGE', 'PAYMENT', 'REFUND'))`,
  `alter table balance_history drop constraint balance_history_check`,
  `alter table balance_history add constraint balance_history_order_id_check check ((type = 'CHARGE') = (order_id is null))`,

  // A day's net sales may be negative (earlier sales refunded); a net of zero has no row.
  `alter table daily_product_sales drop constraint daily_product_sales_quantity_check`,
  `alter table daily_product_sales drop constraint daily_product_sales_revenue_check`,
  `alter table daily_product_sales add constraint daily_product_sales_net_check check (quantity <> 0 or revenue <> 0)`,
];

export const orderLifecycle: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // One statement per call: PGlite's extended protocol takes a single statement at a time.
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
