import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { completeDays, couponsIssuedBetween, touchedOrders, unitsOutBetween, type InvariantCheckpoint } from './invariant.checkpoint';

export interface InvariantViolation {
  /** The number of the invariant in docs/architecture.md#invariants (1–6). */
  invariant: 1 | 2 | 3 | 4 | 5 | 6;
  /** What is wrong, as `<kind> <id>` (`user 7`, `order 12`, `2026-11-24`): where to look. */
  subject: string;
  detail: string;
}

export interface InvariantReport {
  ok: boolean;
  violations: InvariantViolation[];
}

export interface InvariantOptions {
  /** The wallet ceiling the service runs with (MAX_BALANCE). */
  maxBalance: number;
  /** The business time zone (TZ_BUSINESS) in which statistics days are cut. */
  timeZone: string;
  /** Also require every order event to be DELIVERED (after a relay has drained the outbox). */
  requireDelivered?: boolean;
  /**
   * When the checks must be done by (epoch ms): each statement gets the time left as its
   * statement_timeout, and the checks the time did not reach are reported as violations
   * (not checked is not ok). Without it, statements run under the connection's timeout.
   */
  deadline?: number;
  /**
   * Retention deletes delivered events (EVENT_RETENTION_DAYS after delivery): a change of an
   * order's state made before this moment may have lost its event — never gained a second one.
   * Changes since must each have exactly one. Without it, every change must have its event.
   */
  eventsKeptSince?: Date;
}

/** At most this many violations are listed per check; `ok` is false regardless. */
const MAX_LISTED = 50;
/** PostgreSQL's query_canceled, which a statement_timeout raises. */
const STATEMENT_TIMEOUT = '57014';
/** Each product's stock, the sum of its shards (migration 0007), and whether a shard is below zero (their CHECK forbids it). */
const stockByProduct = sql`select product_id, sum(remaining) as stock, bool_or(remaining < 0) as shard_below_zero from product_stock_shards group by product_id`;

/**
 * Verifies the invariants 1–6 (docs/architecture.md#invariants) on a database, in SQL, from the stored facts alone:
 * 1. balance = Σ charges + Σ refunds − Σ payments, each history row's balance_after is the
 *    running sum, balance ≥ 0, no charge took a balance above maxBalance (refunds may), and every
 *    order has exactly one PAYMENT row of its paid amount;
 * 2. stock_received − units sold + units restocked (cancelled lines, restocked refunds) = stock,
 *    the sum of the product's shards, none below 0;
 * 3. issued user coupons ≤ total, issued + Σ remaining shards = total, one per (user, coupon),
 *    a user coupon pays at most one order that is not cancelled (its own user's, the one it
 *    records) and records no other;
 * 4. every order's line shares add up to its paid amount; its refunds add up to its refunded
 *    amount, at most its paid amount (exactly once REFUNDED or CANCELLED), and per line to exactly
 *    floor(share × units refunded / units) — never more than the share; its status and
 *    cancellation match its refunds; its REFUND history rows give back exactly that money;
 * 5. every change of an order's state has exactly one event: one order.paid per order, one
 *    order.cancelled per cancelled order, one order.refunded per refund (naming it), the paid
 *    event first; no event names a missing order (a change older than `eventsKeptSince` may have
 *    lost its event to retention, never have two);
 * 6. each completely aggregated day's statistics equal that day's net sales at list price —
 *    lines of orders placed that day less units refunded and lines cancelled that day, zero
 *    nets omitted — with the day cut in `timeZone`.
 * The checks read one snapshot (a read-only repeatable-read transaction of their own, unless
 * `db` is already a transaction), so they also hold on a live database while others write.
 * An event's order is its `order_id` column, which the service writes with the payload and the
 * relay orders deliveries by: parsing `orderId` out of every json payload instead took 2.7 of the
 * 3.7 s the two checks over all events needed at 100,000 orders (the whole audit: 5.8 s).
 * Each check reads whole tables once: nested loops are switched off for the transaction, since
 * on statistics older than the data (autovacuum behind, or off) the planner chose them for the
 * outbox join and took minutes at 50,000 orders; hash and merge joins keep every check linear.
 * (The incremental checks, `checkInvariantsSince`, look rows up by index and keep them on.)
 */
export async function checkInvariants(db: Kysely<DB>, options: InvariantOptions): Promise<InvariantReport> {
  return inSnapshot(db, (trx) => runChecks(trx, FULL, options));
}

/**
 * The checks of `checkInvariants` over what can have changed since a clean audit's checkpoint
 * (see invariant.checkpoint.ts): every wallet against its last history row, the history rows,
 * orders, refunds, events and user coupons above its watermarks and the orders they name, every
 * product and coupon from the checkpoint's marks plus the rows above them, and the days aggregated
 * since. Its cost grows with the changes and the number of users, products and coupons, not with
 * all orders. Silent edits of rows the checkpoint covered are the full audit's to find.
 */
export async function checkInvariantsSince(db: Kysely<DB>, checkpoint: InvariantCheckpoint, options: InvariantOptions): Promise<InvariantReport> {
  return inSnapshot(db, (trx) => runChecks(trx, { checkpoint }, options));
}

/** `db` itself if it is a transaction, else a read-only repeatable-read one, rolled back after. */
async function inSnapshot<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  // Rolled back, never committed: it only read, and a check cut short by the budget has aborted it anyway.
  const trx = await db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
  try {
    return await work(trx);
  } finally {
    await trx.rollback().execute();
  }
}

/** Every row (no checkpoint), or what can have changed since a checkpoint. */
export interface CheckScope {
  checkpoint: InvariantCheckpoint | null;
}
const FULL: CheckScope = { checkpoint: null };

/** Runs the checks of `scope` in `db`, a transaction. */
export async function runChecks(db: Kysely<DB>, scope: CheckScope, options: InvariantOptions): Promise<InvariantReport> {
  const checks = new BudgetedChecks(db, options.deadline);
  const since = scope.checkpoint;
  // The full checks read whole tables, where hash and merge joins stay linear; the incremental
  // ones look rows up by index, which takes nested loops.
  await sql`select set_config('enable_nestloop', ${since ? 'on' : 'off'}, true)`.execute(db);
  const touched = since ? await checks.read(() => touchedOrders(db, since.watermarks)) : null;
  if (since && touched === null) {
    // Out of time before the first check: none of them was reached.
    for (const invariant of [1, 2, 3, 4, 5, 6] as const) checks.notReached(invariant);
    return checks.report();
  }
  /** The orders checked one by one: all, or those that may have changed since the checkpoint. */
  const ordersIn = (column: string) => (touched === null ? sql`true` : sql`${sql.ref(column)} = any(${touched}::bigint[])`);

  // 1. Wallets and their history.
  if (since) {
    const w = since.watermarks;
    // History is append-only (a trigger refuses changes), and each row was checked once against
    // the row before it: a wallet that agrees with its last row agrees with its whole history.
    await checks.collect(1, sql<{ detail: string }>`
      select format('user %s: balance %s, but its last history row says %s', user_id, balance, coalesce(last, 0)) as detail
      from (
        select w.user_id, w.balance,
               (select h.balance_after from balance_history h where h.user_id = w.user_id order by h.id desc limit 1) as last
        from wallets w
      ) checked
      where balance <> coalesce(last, 0) or balance < 0
      limit ${MAX_LISTED}`);
    await checks.collect(1, sql<{ detail: string }>`
      select format('charge %s of user %s took the balance to %s, above %s', id, user_id, balance_after, ${options.maxBalance}::bigint) as detail
      from balance_history where id > ${w.balanceHistoryId} and type = 'CHARGE' and balance_after > ${options.maxBalance}::bigint
      limit ${MAX_LISTED}`);
    await checks.collect(1, sql<{ detail: string }>`
      select format('history %s of user %s: balance_after %s, but the running sum is %s', h.id, h.user_id, h.balance_after, running) as detail
      from balance_history h
      cross join lateral (
        select coalesce((select p.balance_after from balance_history p where p.user_id = h.user_id and p.id < h.id order by p.id desc limit 1), 0)
               + case when h.type = 'PAYMENT' then -h.amount else h.amount end as running
      ) r
      where h.id > ${w.balanceHistoryId} and h.balance_after <> running
      limit ${MAX_LISTED}`);
    // An order's history rows are then found by its user's index alone.
    await checks.collect(1, sql<{ detail: string }>`
      select format('history %s of user %s names order %s of user %s', h.id, h.user_id, o.id, o.user_id) as detail
      from balance_history h join orders o on o.id = h.order_id
      where h.id > ${w.balanceHistoryId} and o.user_id <> h.user_id
      limit ${MAX_LISTED}`);
  } else {
    await checks.collect(1, sql<{ detail: string }>`
      select format('user %s: balance %s, but charges + refunds - payments = %s', w.user_id, w.balance, coalesce(h.net, 0)) as detail
      from wallets w
      left join (
        select user_id, sum(case when type = 'PAYMENT' then -amount else amount end) as net
        from balance_history group by user_id
      ) h on h.user_id = w.user_id
      where w.balance <> coalesce(h.net, 0) or w.balance < 0
      limit ${MAX_LISTED}`);
    // Measured at 1,000,000 orders, one pass for the ceiling and the running sum (a CASE over
    // the window) took longer than the two statements (5.0–7.9 s against 4.7–5.1 s).
    await checks.collect(1, sql<{ detail: string }>`
      select format('charge %s of user %s took the balance to %s, above %s', id, user_id, balance_after, ${options.maxBalance}::bigint) as detail
      from balance_history where type = 'CHARGE' and balance_after > ${options.maxBalance}::bigint
      limit ${MAX_LISTED}`);
    await checks.collect(1, sql<{ detail: string }>`
      select format('history %s of user %s: balance_after %s, but the running sum is %s', id, user_id, balance_after, running) as detail
      from (
        select id, user_id, balance_after,
               sum(case when type = 'PAYMENT' then -amount else amount end) over (partition by user_id order by id) as running
        from balance_history
      ) h
      where balance_after <> running
      limit ${MAX_LISTED}`);
  }
  await checks.collect(1, sql<{ detail: string }>`
    select format('order %s of user %s: %s PAYMENT rows of the order''s paid amount %s', o.id, o.user_id, count(h.id), o.paid_amount) as detail
    from orders o
    left join balance_history h on h.order_id = o.id and h.type = 'PAYMENT' and h.user_id = o.user_id and h.amount = o.paid_amount
    where ${ordersIn('o.id')}
    group by o.id
    having count(h.id) <> 1
    limit ${MAX_LISTED}`);

  // 2. Stock.
  if (since) {
    await checks.collect(2, sql<{ detail: string }>`
      with moved as (${unitsOutBetween(since.watermarks, null)})
      select format('product %s: received %s - units out %s (sold less put back) <> stock %s',
                    p.id, p.stock_received, coalesce(m.units, 0) + coalesce(v.units, 0), coalesce(st.stock, 0)) as detail
      from products p
      left join (${stockByProduct}) st on st.product_id = p.id
      left join (select key::bigint as product_id, value::bigint as units from jsonb_each_text(${JSON.stringify(since.unitsOut)}::jsonb)) m
             on m.product_id = p.id
      left join moved v on v.product_id = p.id
      where p.stock_received - coalesce(m.units, 0) - coalesce(v.units, 0) <> coalesce(st.stock, 0) or st.shard_below_zero
      limit ${MAX_LISTED}`);
  } else {
    await checks.collect(2, sql<{ detail: string }>`
      with sold as (
        select product_id, sum(quantity) as units from order_lines group by product_id
      ),
      restocked as (
        select product_id, sum(units) as units from (
          select l.product_id, l.quantity as units
          from order_lines l join orders o on o.id = l.order_id where o.status = 'CANCELLED'
          union all
          select rl.product_id, rl.quantity
          from refund_lines rl join refunds r on r.id = rl.refund_id where r.restocked
        ) back group by product_id
      )
      select format('product %s: received %s - sold %s + restocked %s <> stock %s',
                    p.id, p.stock_received, coalesce(s.units, 0), coalesce(r.units, 0), coalesce(st.stock, 0)) as detail
      from products p
      left join (${stockByProduct}) st on st.product_id = p.id
      left join sold s on s.product_id = p.id
      left join restocked r on r.product_id = p.id
      where p.stock_received - coalesce(s.units, 0) + coalesce(r.units, 0) <> coalesce(st.stock, 0) or st.shard_below_zero
      limit ${MAX_LISTED}`);
  }

  // 3. Coupons.
  const issued = since
    ? sql`select coalesce(m.coupon_id, f.coupon_id) as coupon_id, coalesce(m.issued, 0) + coalesce(f.issued, 0) as issued
          from (select key::bigint as coupon_id, value::bigint as issued from jsonb_each_text(${JSON.stringify(since.couponsIssued)}::jsonb)) m
          full join (${couponsIssuedBetween(since.watermarks, null)}) f on f.coupon_id = m.coupon_id`
    : sql`select coupon_id, count(*) as issued from user_coupons group by coupon_id`;
  await checks.collect(3, sql<{ detail: string }>`
    select format('coupon %s: %s issued + %s remaining <> total %s', c.id, coalesce(u.issued, 0), coalesce(s.remaining, 0), c.total_quantity) as detail
    from coupons c
    left join (${issued}) u on u.coupon_id = c.id
    left join (select coupon_id, sum(remaining) as remaining from coupon_stock_shards group by coupon_id) s on s.coupon_id = c.id
    where coalesce(u.issued, 0) > c.total_quantity
       or coalesce(u.issued, 0) + coalesce(s.remaining, 0) <> c.total_quantity
       or coalesce(s.remaining, 0) < 0
    limit ${MAX_LISTED}`);
  const freshUserCoupons = since ? sql`(user_id, coupon_id) in (select user_id, coupon_id from user_coupons where id > ${since.watermarks.userCouponId})` : sql`true`;
  await checks.collect(3, sql<{ detail: string }>`
    select format('user %s holds coupon %s %s times', user_id, coupon_id, count(*)) as detail
    from user_coupons where ${freshUserCoupons} group by user_id, coupon_id having count(*) > 1
    limit ${MAX_LISTED}`);
  const couponsOfOrdersIn = touched === null ? sql`true` : sql`user_coupon_id in (select user_coupon_id from orders where id = any(${touched}::bigint[]))`;
  await checks.collect(3, sql<{ detail: string }>`
    select format('user coupon %s pays %s orders that are not cancelled', user_coupon_id, count(*)) as detail
    from orders where user_coupon_id is not null and status <> 'CANCELLED' and ${couponsOfOrdersIn}
    group by user_coupon_id having count(*) > 1
    limit ${MAX_LISTED}`);
  await checks.collect(3, sql<{ detail: string }>`
    select format('order %s uses user coupon %s, which records order %s and belongs to user %s', o.id, o.user_coupon_id, uc.order_id, uc.user_id) as detail
    from orders o join user_coupons uc on uc.id = o.user_coupon_id
    where ${ordersIn('o.id')}
      and (uc.user_id <> o.user_id or (o.status <> 'CANCELLED' and (uc.order_id is distinct from o.id or uc.used_at is null)))
    limit ${MAX_LISTED}`);
  const userCouponsIn =
    since && touched
      ? sql`(uc.id > ${since.watermarks.userCouponId} or uc.order_id = any(${touched}::bigint[])
             or uc.id in (select user_coupon_id from orders where id = any(${touched}::bigint[])))`
      : sql`true`;
  await checks.collect(3, sql<{ detail: string }>`
    select format('user coupon %s records order %s, which does not use it or is cancelled', uc.id, uc.order_id) as detail
    from user_coupons uc left join orders o on o.id = uc.order_id
    where ${userCouponsIn} and uc.order_id is not null and (o.id is null or o.user_coupon_id is distinct from uc.id or o.status = 'CANCELLED')
    limit ${MAX_LISTED}`);

  // 4. Orders: shares, refunds, status.
  await checks.collect(4, sql<{ detail: string }>`
    select format('order %s: line shares add up to %s, not its paid amount %s', o.id, sum(l.paid_amount), o.paid_amount) as detail
    from orders o join order_lines l on l.order_id = o.id
    where ${ordersIn('o.id')}
    group by o.id
    having sum(l.paid_amount) <> o.paid_amount
    limit ${MAX_LISTED}`);
  await checks.collect(4, sql<{ detail: string }>`
    with back as (
      select order_id, product_id, sum(quantity) as units, sum(amount) as amount from refund_lines where ${ordersIn('order_id')} group by order_id, product_id
    )
    select format('order %s, product %s: %s of %s units refunded for %s of its share %s; the line says %s refunded',
                  o.id, l.product_id, coalesce(b.units, 0), l.quantity, coalesce(b.amount, 0), l.paid_amount, l.refunded_quantity) as detail
    from orders o
    join order_lines l on l.order_id = o.id
    left join back b on b.order_id = l.order_id and b.product_id = l.product_id
    where ${ordersIn('o.id')}
      and (coalesce(b.amount, 0) > l.paid_amount
       or coalesce(b.amount, 0) <> div(l.paid_amount::numeric * coalesce(b.units, 0), l.quantity)
       or l.refunded_quantity <> case when o.status = 'CANCELLED' then l.quantity else coalesce(b.units, 0) end)
    limit ${MAX_LISTED}`);
  // The REFUND rows of some orders are read through their users' index (a fresh row naming
  // another user's order is reported above); of all orders, in one pass.
  const refundRows = touched
    ? sql`select h.order_id, h.amount from orders o join balance_history h on h.user_id = o.user_id and h.order_id = o.id
          where o.id = any(${touched}::bigint[]) and h.type = 'REFUND'`
    : sql`select order_id, amount from balance_history where type = 'REFUND'`;
  await checks.collect(4, sql<{ detail: string }>`
    with refunded as (
      select order_id, count(*) as refunds, sum(amount) as amount from refunds where ${ordersIn('order_id')} group by order_id
    ),
    lines as (
      select order_id, bool_and(refunded_quantity = quantity) as all_back from order_lines where ${ordersIn('order_id')} group by order_id
    ),
    credited as (
      select order_id, count(*) as rows, sum(amount) as amount from (${refundRows}) h group by order_id
    )
    select format('order %s: %s, %s refunds of %s won, refunded amount %s of %s paid, %s REFUND rows of %s won',
                  o.id, o.status, coalesce(r.refunds, 0), coalesce(r.amount, 0), o.refunded_amount, o.paid_amount,
                  coalesce(c.rows, 0), coalesce(c.amount, 0)) as detail
    from orders o
    join lines l on l.order_id = o.id
    left join refunded r on r.order_id = o.id
    left join credited c on c.order_id = o.id
    where ${ordersIn('o.id')}
      and (o.refunded_amount > o.paid_amount
       or o.refunded_amount <> case when o.status = 'CANCELLED' then o.paid_amount else coalesce(r.amount, 0) end
       or coalesce(c.amount, 0) <> o.refunded_amount
       or coalesce(c.rows, 0) <> case when o.status = 'CANCELLED' then 1 else coalesce(r.refunds, 0) end
       or (o.status = 'CANCELLED') <> (o.cancelled_at is not null)
       or o.status <> case
            when o.status = 'CANCELLED' and r.refunds is null then 'CANCELLED'
            when o.status = 'CANCELLED' then 'CANCELLED, yet refunded'
            when l.all_back then 'REFUNDED'
            when r.refunds is not null then 'PARTIALLY_REFUNDED'
            else 'PAID' end)
    limit ${MAX_LISTED}`);

  // 5. The outbox: one event per change of an order's state; at most one for a change older than
  //    what retention keeps (an event created before that moment may have been delivered and purged).
  const kept = sql`${options.eventsKeptSince ?? new Date(0)}::timestamptz`;
  await checks.collect(5, sql<{ detail: string }>`
    with events as (
      select type, seq, order_id from outbox where ${ordersIn('order_id')}
    ),
    counted as (
      select o.id, o.status, o.created_at < ${kept} as paid_purgeable, o.cancelled_at < ${kept} as cancel_purgeable,
             count(*) filter (where e.type = 'order.paid') as paid,
             count(*) filter (where e.type = 'order.cancelled') as cancelled,
             count(*) filter (where e.type = 'order.refunded') as refunded,
             min(e.seq) filter (where e.type = 'order.paid') as paid_seq,
             min(e.seq) as first_seq
      from orders o left join events e on e.order_id = o.id
      where ${ordersIn('o.id')}
      group by o.id
    )
    select format('order %s (%s): %s order.paid, %s order.cancelled, %s order.refunded events for %s refunds%s',
                  c.id, c.status, c.paid, c.cancelled, c.refunded, coalesce(r.refunds, 0),
                  case when c.paid_seq is distinct from c.first_seq then ', the paid event not first' else '' end) as detail
    from counted c
    left join (
      select order_id, count(*) as refunds, count(*) filter (where created_at >= ${kept}) as kept
      from refunds where ${ordersIn('order_id')} group by order_id
    ) r on r.order_id = c.id
    where c.paid > 1 or (c.paid = 0 and not c.paid_purgeable)
       or c.cancelled > case when c.status = 'CANCELLED' then 1 else 0 end
       or (c.status = 'CANCELLED' and c.cancelled = 0 and not c.cancel_purgeable)
       or c.refunded > coalesce(r.refunds, 0) or c.refunded < coalesce(r.kept, 0)
       or (c.paid_seq is not null and c.paid_seq <> c.first_seq)
    limit ${MAX_LISTED}`);
  await checks.collect(5, sql<{ detail: string }>`
    select format('refund %s of order %s has %s order.refunded events', r.id, r.order_id, count(e.seq)) as detail
    from refunds r
    left join outbox e on e.type = 'order.refunded' and (e.payload -> 'refund' ->> 'refundId')::bigint = r.id
                      and e.order_id = r.order_id
    where ${ordersIn('r.order_id')}
    group by r.id
    having count(e.seq) > 1 or (count(e.seq) = 0 and r.created_at >= ${kept})
    limit ${MAX_LISTED}`);
  const freshEvents = since ? sql`e.seq > ${since.watermarks.outboxSeq}` : sql`true`;
  await checks.collect(5, sql<{ detail: string }>`
    select format('outbox event %s names order %s, which does not exist', e.event_id, e.order_id) as detail
    from outbox e left join orders o on o.id = e.order_id
    where ${freshEvents} and e.type like 'order.%' and o.id is null
    limit ${MAX_LISTED}`);
  if (options.requireDelivered) {
    await checks.collect(5, sql<{ detail: string }>`
      select format('outbox event %s (%s) of order %s is %s, not DELIVERED', event_id, type, order_id, status) as detail
      from outbox e where ${freshEvents} and type like 'order.%' and status <> 'DELIVERED'
      limit ${MAX_LISTED}`);
  }

  // 6. Daily statistics of completely aggregated days. Since a checkpoint, the days aggregated
  //    since, a day at a time as the aggregation reads it (a day costs its own orders); all of
  //    them in one statement, which at 1,000,000 orders and 31 days took 2.0–2.4 s against
  //    6–9 s a day at a time.
  if (since) {
    const days = await checks.read(() => completeDays(db));
    if (days === null) checks.notReached(6);
    else {
      for (const [day, stamp] of Object.entries(days)) {
        if (since.aggregatedDays[day] !== stamp) await checks.collect(6, dayStatisticsCheck(day, options.timeZone));
      }
    }
  } else {
    await checks.collect(6, sql<{ detail: string }>`
      with days as (
        select day from sales_aggregation_runs where complete
      ),
      movements as (
        select (o.created_at at time zone ${options.timeZone})::date as day, l.product_id, l.quantity, l.amount
        from orders o join order_lines l on l.order_id = o.id
        union all
        select (o.cancelled_at at time zone ${options.timeZone})::date, l.product_id, -l.quantity, -l.amount
        from orders o join order_lines l on l.order_id = o.id
        where o.cancelled_at is not null
        union all
        select (r.created_at at time zone ${options.timeZone})::date, rl.product_id, -rl.quantity, -rl.quantity * l.unit_price
        from refunds r
        join refund_lines rl on rl.refund_id = r.id
        join order_lines l on l.order_id = rl.order_id and l.product_id = rl.product_id
      ),
      expected as (
        select day, product_id, sum(quantity) as quantity, sum(amount) as revenue
        from movements where day in (select day from days)
        group by 1, 2
        having sum(quantity) <> 0 or sum(amount) <> 0
      ),
      stored as (
        select day, product_id, quantity, revenue from daily_product_sales where day in (select day from days)
      )
      select format('%s, product %s: statistics say %s sold for %s, the orders say %s for %s',
                    coalesce(e.day, s.day), coalesce(e.product_id, s.product_id),
                    coalesce(s.quantity, 0), coalesce(s.revenue, 0), coalesce(e.quantity, 0), coalesce(e.revenue, 0)) as detail
      from expected e full join stored s on s.day = e.day and s.product_id = e.product_id
      where e.quantity is distinct from s.quantity or e.revenue is distinct from s.revenue
      limit ${MAX_LISTED}`);
  }

  return checks.report();
}

/**
 * One day's statistics against its net sales at list price: lines of the orders placed that day
 * less units refunded and lines cancelled that day, zero nets omitted. The day's lines are read
 * within the id range of its orders, as the aggregation does (sales-statistics.repository.ts), so
 * a day costs its own orders, not all of them.
 */
function dayStatisticsCheck(day: string, timeZone: string) {
  const from = sql`(${day}::date::timestamp at time zone ${timeZone})`;
  const to = sql`((${day}::date + 1)::timestamp at time zone ${timeZone})`;
  return sql<{ detail: string }>`
    with placed as materialized (
      select id from orders where created_at >= ${from} and created_at < ${to}
    ),
    movements as (
      select l.product_id, l.quantity, l.amount
      from placed o join order_lines l on l.order_id = o.id
      where l.order_id between (select min(id) from placed) and (select max(id) from placed)
      union all
      select l.product_id, -l.quantity, -l.amount
      from orders o join order_lines l on l.order_id = o.id
      where o.cancelled_at >= ${from} and o.cancelled_at < ${to}
      union all
      select rl.product_id, -rl.quantity, -rl.quantity * l.unit_price
      from refunds r
      join refund_lines rl on rl.refund_id = r.id
      join order_lines l on l.order_id = rl.order_id and l.product_id = rl.product_id
      where r.created_at >= ${from} and r.created_at < ${to}
    ),
    expected as (
      select product_id, sum(quantity) as quantity, sum(amount) as revenue
      from movements group by product_id
      having sum(quantity) <> 0 or sum(amount) <> 0
    ),
    stored as (
      select product_id, quantity, revenue from daily_product_sales where day = ${day}::date
    )
    select format('%s, product %s: statistics say %s sold for %s, the orders say %s for %s',
                  ${day}::text, coalesce(e.product_id, s.product_id),
                  coalesce(s.quantity, 0), coalesce(s.revenue, 0), coalesce(e.quantity, 0), coalesce(e.revenue, 0)) as detail
    from expected e full join stored s on s.product_id = e.product_id
    where e.quantity is distinct from s.quantity or e.revenue is distinct from s.revenue
    limit ${MAX_LISTED}`;
}

/**
 * The checks of one audit, each statement held to the time left before `deadline` (epoch ms):
 * once it has run out (a statement cancelled by its timeout aborts the transaction), every check
 * not run is reported as not checked, since not checked is not ok.
 */
class BudgetedChecks {
  private readonly violations: InvariantViolation[] = [];
  private outOfTime = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly deadline: number | undefined,
  ) {}

  /** Runs a check; its rows are violations. */
  async collect(invariant: InvariantViolation['invariant'], query: ReturnType<typeof sql<{ subject?: string; detail: string }>>): Promise<void> {
    const rows = await this.read(async () => (await query.execute(this.db)).rows);
    if (rows === null) this.notReached(invariant);
    else for (const row of rows) this.violations.push({ invariant, subject: row.subject ?? subjectOf(row.detail), detail: row.detail });
  }

  /** Runs statements the checks need; null once out of time. */
  async read<T>(statements: () => Promise<T>): Promise<T | null> {
    if (this.deadline !== undefined && !this.outOfTime) {
      const left = Math.floor(this.deadline - Date.now());
      if (left > 0) await sql`select set_config('statement_timeout', ${String(left)}, true)`.execute(this.db);
      else this.outOfTime = true;
    }
    if (this.outOfTime) return null;
    try {
      return await statements();
    } catch (error) {
      if (this.deadline === undefined || (error as { code?: string }).code !== STATEMENT_TIMEOUT) throw error;
      this.outOfTime = true;
      return null;
    }
  }

  notReached(invariant: InvariantViolation['invariant']): void {
    this.violations.push({ invariant, subject: 'audit', detail: `not checked: the time budget ran out before this check of invariant ${invariant}` });
  }

  report(): InvariantReport {
    return { ok: this.violations.length === 0, violations: this.violations };
  }
}

/**
 * For a check that names no subject column: the `<kind> <id>` (or the day) its detail starts
 * with, e.g. `order 12` of "order 12: line shares add up to…".
 */
export function subjectOf(detail: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})|^((?:user coupon|outbox event|[a-z]+) [^\s:,]+)/.exec(detail);
  return match?.[1] ?? match?.[2] ?? 'database';
}
