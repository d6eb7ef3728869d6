import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export interface InvariantViolation {
  /** The number of the invariant in DESIGN.md (1–5). */
  invariant: 1 | 2 | 3 | 4 | 5;
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
  /** Also require every order.paid event to be DELIVERED (after a relay has drained the outbox). */
  requireDelivered?: boolean;
  /**
   * When the checks must be done by (epoch ms): each statement gets the time left as its
   * statement_timeout, and the checks the time did not reach are reported as violations
   * (not checked is not ok). Without it, statements run under the connection's timeout.
   */
  deadline?: number;
}

/** At most this many violations are listed per check; `ok` is false regardless. */
const MAX_LISTED = 50;
/** PostgreSQL's query_canceled, which a statement_timeout raises. */
const STATEMENT_TIMEOUT = '57014';

/**
 * Verifies DESIGN.md's invariants 1–5 on a database, in SQL, from the stored facts alone:
 * 1. balance = Σ charges − Σ payments, each history row's balance_after is the running sum,
 *    and 0 ≤ balance ≤ maxBalance;
 * 2. stock_received − Σ quantities in paid orders = stock ≥ 0;
 * 3. issued user coupons ≤ total, issued + Σ remaining shards = total, one per (user, coupon),
 *    a user coupon pays at most one order (its own user's, the one it records);
 * 4. every paid order has exactly one order.paid event whose payload's orderId is that order
 *    (and no event names a missing order);
 * 5. each completely aggregated day's statistics equal that day's paid order lines, with the
 *    day cut in `timeZone`.
 * The checks read one snapshot (a read-only repeatable-read transaction of their own, unless
 * `db` is already a transaction), so they also hold on a live database while others write.
 * Each check reads whole tables once: nested loops are switched off for the transaction, since
 * on statistics older than the data (autovacuum behind, or off) the planner chose them for the
 * outbox join and took minutes at 50,000 orders; hash and merge joins keep every check linear.
 */
export async function checkInvariants(db: Kysely<DB>, options: InvariantOptions): Promise<InvariantReport> {
  if (!db.isTransaction) {
    // Rolled back, never committed: it only read, and a check cut short by the budget has
    // aborted it anyway.
    const trx = await db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
    try {
      return await checkInvariants(trx, options);
    } finally {
      await trx.rollback().execute();
    }
  }
  await sql`set local enable_nestloop = off`.execute(db);
  const violations: InvariantViolation[] = [];
  let outOfTime = false;
  const collect = async (invariant: InvariantViolation['invariant'], query: ReturnType<typeof sql<{ subject?: string; detail: string }>>) => {
    if (options.deadline !== undefined && !outOfTime) {
      const left = Math.floor(options.deadline - Date.now());
      if (left > 0) await sql`select set_config('statement_timeout', ${String(left)}, true)`.execute(db);
      else outOfTime = true;
    }
    if (!outOfTime) {
      try {
        const { rows } = await query.execute(db);
        for (const row of rows) violations.push({ invariant, subject: row.subject ?? subjectOf(row.detail), detail: row.detail });
        return;
      } catch (error) {
        if (options.deadline === undefined || (error as { code?: string }).code !== STATEMENT_TIMEOUT) throw error;
        // The transaction is aborted now: every later check is reported as not checked too.
        outOfTime = true;
      }
    }
    violations.push({ invariant, subject: 'audit', detail: `not checked: the time budget ran out before this check of invariant ${invariant}` });
  };

  // 1. Wallets and their history.
  await collect(1, sql<{ subject: string; detail: string }>`
    select 'user ' || w.user_id as subject,
           format('user %s: balance %s, but charges - payments = %s', w.user_id, w.balance, coalesce(h.net, 0)) as detail
    from wallets w
    left join (
      select user_id, sum(case when type = 'CHARGE' then amount else -amount end) as net
      from balance_history group by user_id
    ) h on h.user_id = w.user_id
    where w.balance <> coalesce(h.net, 0)
    limit ${MAX_LISTED}`);
  await collect(1, sql<{ subject: string; detail: string }>`
    select 'user ' || user_id as subject,
           format('user %s: balance %s is outside [0, %s]', user_id, balance, ${options.maxBalance}::bigint) as detail
    from wallets where balance < 0 or balance > ${options.maxBalance}::bigint
    limit ${MAX_LISTED}`);
  await collect(1, sql<{ subject: string; detail: string }>`
    select 'user ' || user_id as subject,
           format('history %s of user %s: balance_after %s, but the running sum is %s', id, user_id, balance_after, running) as detail
    from (
      select id, user_id, balance_after,
             sum(case when type = 'CHARGE' then amount else -amount end) over (partition by user_id order by id) as running
      from balance_history
    ) h
    where balance_after <> running
    limit ${MAX_LISTED}`);
  await collect(1, sql<{ subject: string; detail: string }>`
    select 'order ' || o.id as subject,
           format('order %s of user %s: %s PAYMENT rows of the order''s paid amount %s', o.id, o.user_id, count(h.id), o.paid_amount) as detail
    from orders o
    left join balance_history h on h.order_id = o.id and h.type = 'PAYMENT' and h.user_id = o.user_id and h.amount = o.paid_amount
    group by o.id
    having count(h.id) <> 1
    limit ${MAX_LISTED}`);

  // 2. Stock.
  await collect(2, sql<{ subject: string; detail: string }>`
    select 'product ' || p.id as subject,
           format('product %s: received %s - sold %s <> stock %s', p.id, p.stock_received, coalesce(s.sold, 0), p.stock) as detail
    from products p
    left join (select product_id, sum(quantity) as sold from order_lines group by product_id) s on s.product_id = p.id
    where p.stock_received - coalesce(s.sold, 0) <> p.stock or p.stock < 0
    limit ${MAX_LISTED}`);

  // 3. Coupons.
  await collect(3, sql<{ subject: string; detail: string }>`
    select 'coupon ' || c.id as subject,
           format('coupon %s: %s issued + %s remaining <> total %s', c.id, coalesce(u.issued, 0), coalesce(s.remaining, 0), c.total_quantity) as detail
    from coupons c
    left join (select coupon_id, count(*) as issued from user_coupons group by coupon_id) u on u.coupon_id = c.id
    left join (select coupon_id, sum(remaining) as remaining from coupon_stock_shards group by coupon_id) s on s.coupon_id = c.id
    where coalesce(u.issued, 0) > c.total_quantity
       or coalesce(u.issued, 0) + coalesce(s.remaining, 0) <> c.total_quantity
       or coalesce(s.remaining, 0) < 0
    limit ${MAX_LISTED}`);
  await collect(3, sql<{ subject: string; detail: string }>`
    select 'coupon ' || coupon_id as subject,
           format('user %s holds coupon %s %s times', user_id, coupon_id, count(*)) as detail
    from user_coupons group by user_id, coupon_id having count(*) > 1
    limit ${MAX_LISTED}`);
  await collect(3, sql<{ subject: string; detail: string }>`
    select 'user coupon ' || user_coupon_id as subject,
           format('user coupon %s pays %s orders', user_coupon_id, count(*)) as detail
    from orders where user_coupon_id is not null group by user_coupon_id having count(*) > 1
    limit ${MAX_LISTED}`);
  await collect(3, sql<{ subject: string; detail: string }>`
    select 'order ' || o.id as subject,
           format('order %s uses user coupon %s, which records order %s and belongs to user %s', o.id, o.user_coupon_id, uc.order_id, uc.user_id) as detail
    from orders o join user_coupons uc on uc.id = o.user_coupon_id
    where uc.order_id is distinct from o.id or uc.user_id <> o.user_id or uc.used_at is null
    limit ${MAX_LISTED}`);
  await collect(3, sql<{ subject: string; detail: string }>`
    select 'user coupon ' || uc.id as subject,
           format('user coupon %s records order %s, which does not use it', uc.id, uc.order_id) as detail
    from user_coupons uc left join orders o on o.id = uc.order_id
    where uc.order_id is not null and (o.id is null or o.user_coupon_id is distinct from uc.id)
    limit ${MAX_LISTED}`);

  // 4. The outbox.
  await collect(4, sql<{ subject: string; detail: string }>`
    with events as (
      select seq, status, (payload ->> 'orderId')::bigint as order_id from outbox where type = 'order.paid'
    )
    select 'order ' || o.id as subject,
           format('order %s has %s order.paid events', o.id, count(e.seq)) as detail
    from orders o left join events e on e.order_id = o.id
    group by o.id
    having count(e.seq) <> 1
    limit ${MAX_LISTED}`);
  await collect(4, sql<{ subject: string; detail: string }>`
    select 'event ' || e.event_id as subject,
           format('outbox event %s names order %s, which does not exist', e.event_id, e.payload ->> 'orderId') as detail
    from outbox e left join orders o on o.id = (e.payload ->> 'orderId')::bigint
    where e.type = 'order.paid' and o.id is null
    limit ${MAX_LISTED}`);
  if (options.requireDelivered) {
    await collect(4, sql<{ subject: string; detail: string }>`
      select 'event ' || event_id as subject,
           format('outbox event %s of order %s is %s, not DELIVERED', event_id, payload ->> 'orderId', status) as detail
      from outbox where type = 'order.paid' and status <> 'DELIVERED'
      limit ${MAX_LISTED}`);
  }

  // 5. Daily statistics of completely aggregated days.
  await collect(5, sql<{ subject: string; detail: string }>`
    with days as (
      select day from sales_aggregation_runs where complete
    ),
    expected as (
      select (o.created_at at time zone ${options.timeZone})::date as day, l.product_id,
             sum(l.quantity) as quantity, sum(l.amount) as revenue
      from orders o join order_lines l on l.order_id = o.id
      where o.status = 'PAID' and (o.created_at at time zone ${options.timeZone})::date in (select day from days)
      group by 1, 2
    ),
    stored as (
      select day, product_id, quantity, revenue from daily_product_sales where day in (select day from days)
    )
    select coalesce(e.day, s.day)::text as subject,
           format('%s, product %s: statistics say %s sold for %s, order lines say %s for %s',
                  coalesce(e.day, s.day), coalesce(e.product_id, s.product_id),
                  coalesce(s.quantity, 0), coalesce(s.revenue, 0), coalesce(e.quantity, 0), coalesce(e.revenue, 0)) as detail
    from expected e full join stored s on s.day = e.day and s.product_id = e.product_id
    where e.quantity is distinct from s.quantity or e.revenue is distinct from s.revenue
    limit ${MAX_LISTED}`);

  return { ok: violations.length === 0, violations };
}

/**
 * For a check that names no subject column: the `<kind> <id>` (or the day) its detail starts
 * with, e.g. `order 12` of "order 12: line shares add up to…".
 */
export function subjectOf(detail: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})|^((?:user coupon|outbox event|[a-z]+) [^\s:,]+)/.exec(detail);
  return match?.[1] ?? match?.[2] ?? 'database';
}
