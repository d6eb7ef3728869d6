-- The SQL of packages/adapters/src/invariants/invariant.checks.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- checkInvariants [1/21]
start transaction isolation level repeatable read read only;

-- checkInvariants [2/21]
set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- checkInvariants [3/21]
-- $1 = 'off'
select set_config('enable_nestloop', $1, true);

-- checkInvariants [4/21]
-- $1 maxListed
select format('user %s: balance %s, but charges + refunds - payments = %s', w.user_id, w.balance, coalesce(h.net, 0)) as detail
from wallets w
left join (
  select user_id, sum(case when type = 'PAYMENT' then -amount else amount end) as net
  from balance_history group by user_id
) h on h.user_id = w.user_id
where w.balance <> coalesce(h.net, 0) or w.balance < 0
limit $1;

-- checkInvariants [5/21]
-- $1 maxBalance · $2 maxBalance · $3 maxListed
select format('charge %s of user %s took the balance to %s, above %s', id, user_id, balance_after, $1::bigint) as detail
from balance_history where type = 'CHARGE' and balance_after > $2::bigint
limit $3;

-- checkInvariants [6/21]
-- $1 maxListed
select format('history %s of user %s: balance_after %s, but the running sum is %s', id, user_id, balance_after, running) as detail
from (
  select id, user_id, balance_after,
         sum(case when type = 'PAYMENT' then -amount else amount end) over (partition by user_id order by id) as running
  from balance_history
) h
where balance_after <> running
limit $1;

-- checkInvariants [7/21]
-- $1 maxListed
select format('order %s of user %s: %s PAYMENT rows of the order''s paid amount %s', o.id, o.user_id, count(h.id), o.paid_amount) as detail
from orders o
left join balance_history h on h.order_id = o.id and h.type = 'PAYMENT' and h.user_id = o.user_id and h.amount = o.paid_amount
where true
group by o.id
having count(h.id) <> 1
limit $1;

-- checkInvariants [8/21]
-- $1 maxListed
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
left join (select product_id, sum(remaining) as stock, bool_or(remaining < 0) as shard_below_zero from product_stock_shards group by product_id) st on st.product_id = p.id
left join sold s on s.product_id = p.id
left join restocked r on r.product_id = p.id
where p.stock_received - coalesce(s.units, 0) + coalesce(r.units, 0) <> coalesce(st.stock, 0) or st.shard_below_zero
limit $1;

-- checkInvariants [9/21]
-- $1 maxListed
select format('coupon %s: %s issued + %s remaining <> total %s', c.id, coalesce(u.issued, 0), coalesce(s.remaining, 0), c.total_quantity) as detail
from coupons c
left join (select coupon_id, count(*) as issued from user_coupons group by coupon_id) u on u.coupon_id = c.id
left join (select coupon_id, sum(remaining) as remaining from coupon_stock_shards group by coupon_id) s on s.coupon_id = c.id
where coalesce(u.issued, 0) > c.total_quantity
   or coalesce(u.issued, 0) + coalesce(s.remaining, 0) <> c.total_quantity
   or coalesce(s.remaining, 0) < 0
limit $1;

-- checkInvariants [10/21]
-- $1 maxListed
select format('user %s holds coupon %s %s times', user_id, coupon_id, count(*)) as detail
from user_coupons where true group by user_id, coupon_id having count(*) > 1
limit $1;

-- checkInvariants [11/21]
-- $1 maxListed
select format('user coupon %s pays %s orders that are not cancelled', user_coupon_id, count(*)) as detail
from orders where user_coupon_id is not null and status <> 'CANCELLED' and true
group by user_coupon_id having count(*) > 1
limit $1;

-- checkInvariants [12/21]
-- $1 maxListed
select format('order %s uses user coupon %s, which records order %s and belongs to user %s', o.id, o.user_coupon_id, uc.order_id, uc.user_id) as detail
from orders o join user_coupons uc on uc.id = o.user_coupon_id
where true
  and (uc.user_id <> o.user_id or (o.status <> 'CANCELLED' and (uc.order_id is distinct from o.id or uc.used_at is null)))
limit $1;

-- checkInvariants [13/21]
-- $1 maxListed
select format('user coupon %s records order %s, which does not use it or is cancelled', uc.id, uc.order_id) as detail
from user_coupons uc left join orders o on o.id = uc.order_id
where true and uc.order_id is not null and (o.id is null or o.user_coupon_id is distinct from uc.id or o.status = 'CANCELLED')
limit $1;

-- checkInvariants [14/21]
-- $1 maxListed
select format('order %s: line shares add up to %s, not its paid amount %s', o.id, sum(l.paid_amount), o.paid_amount) as detail
from orders o join order_lines l on l.order_id = o.id
where true
group by o.id
having sum(l.paid_amount) <> o.paid_amount
limit $1;

-- checkInvariants [15/21]
-- $1 maxListed
with back as (
  select order_id, product_id, sum(quantity) as units, sum(amount) as amount from refund_lines where true group by order_id, product_id
)
select format('order %s, product %s: %s of %s units refunded for %s of its share %s; the line says %s refunded',
              o.id, l.product_id, coalesce(b.units, 0), l.quantity, coalesce(b.amount, 0), l.paid_amount, l.refunded_quantity) as detail
from orders o
join order_lines l on l.order_id = o.id
left join back b on b.order_id = l.order_id and b.product_id = l.product_id
where true
  and (coalesce(b.amount, 0) > l.paid_amount
   or coalesce(b.amount, 0) <> div(l.paid_amount::numeric * coalesce(b.units, 0), l.quantity)
   or l.refunded_quantity <> case when o.status = 'CANCELLED' then l.quantity else coalesce(b.units, 0) end)
limit $1;

-- checkInvariants [16/21]
-- $1 maxListed
with refunded as (
  select order_id, count(*) as refunds, sum(amount) as amount from refunds where true group by order_id
),
lines as (
  select order_id, bool_and(refunded_quantity = quantity) as all_back from order_lines where true group by order_id
),
credited as (
  select order_id, count(*) as rows, sum(amount) as amount from (select order_id, amount from balance_history where type = 'REFUND') h group by order_id
)
select format('order %s: %s, %s refunds of %s won, refunded amount %s of %s paid, %s REFUND rows of %s won',
              o.id, o.status, coalesce(r.refunds, 0), coalesce(r.amount, 0), o.refunded_amount, o.paid_amount,
              coalesce(c.rows, 0), coalesce(c.amount, 0)) as detail
from orders o
join lines l on l.order_id = o.id
left join refunded r on r.order_id = o.id
left join credited c on c.order_id = o.id
where true
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
limit $1;

-- checkInvariants [17/21]
-- $1 = <the time now> · $2 = <the time now> · $3 = <the time now> · $4 maxListed
with events as (
  select type, seq, order_id from outbox where true
),
counted as (
  select o.id, o.status, o.created_at < $1::timestamptz as paid_purgeable, o.cancelled_at < $2::timestamptz as cancel_purgeable,
         count(*) filter (where e.type = 'order.paid') as paid,
         count(*) filter (where e.type = 'order.cancelled') as cancelled,
         count(*) filter (where e.type = 'order.refunded') as refunded,
         min(e.seq) filter (where e.type = 'order.paid') as paid_seq,
         min(e.seq) as first_seq
  from orders o left join events e on e.order_id = o.id
  where true
  group by o.id
)
select format('order %s (%s): %s order.paid, %s order.cancelled, %s order.refunded events for %s refunds%s',
              c.id, c.status, c.paid, c.cancelled, c.refunded, coalesce(r.refunds, 0),
              case when c.paid_seq is distinct from c.first_seq then ', the paid event not first' else '' end) as detail
from counted c
left join (
  select order_id, count(*) as refunds, count(*) filter (where created_at >= $3::timestamptz) as kept
  from refunds where true group by order_id
) r on r.order_id = c.id
where c.paid > 1 or (c.paid = 0 and not c.paid_purgeable)
   or c.cancelled > case when c.status = 'CANCELLED' then 1 else 0 end
   or (c.status = 'CANCELLED' and c.cancelled = 0 and not c.cancel_purgeable)
   or c.refunded > coalesce(r.refunds, 0) or c.refunded < coalesce(r.kept, 0)
   or (c.paid_seq is not null and c.paid_seq <> c.first_seq)
limit $4;

-- checkInvariants [18/21]
-- $1 = <the time now> · $2 maxListed
select format('refund %s of order %s has %s order.refunded events', r.id, r.order_id, count(e.seq)) as detail
from refunds r
left join outbox e on e.type = 'order.refunded' and (e.payload -> 'refund' ->> 'refundId')::bigint = r.id
                  and e.order_id = r.order_id
where true
group by r.id
having count(e.seq) > 1 or (count(e.seq) = 0 and r.created_at >= $1::timestamptz)
limit $2;

-- checkInvariants [19/21]
-- $1 maxListed
select format('outbox event %s names order %s, which does not exist', e.event_id, e.order_id) as detail
from outbox e left join orders o on o.id = e.order_id
where true and e.type like 'order.%' and o.id is null
limit $1;

-- checkInvariants [20/21]
-- $1 timeZone · $2 timeZone · $3 timeZone · $4 maxListed
with days as (
  select day from sales_aggregation_runs where complete
),
movements as (
  select (o.created_at at time zone $1)::date as day, l.product_id, l.quantity, l.amount
  from orders o join order_lines l on l.order_id = o.id
  union all
  select (o.cancelled_at at time zone $2)::date, l.product_id, -l.quantity, -l.amount
  from orders o join order_lines l on l.order_id = o.id
  where o.cancelled_at is not null
  union all
  select (r.created_at at time zone $3)::date, rl.product_id, -rl.quantity, -rl.quantity * l.unit_price
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
limit $4;

-- checkInvariants [21/21]
rollback;
