-- The SQL of packages/adapters/src/invariants/invariant.auditor.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [1/52]
-- $1 = 'balance_history' · $2 = 'id' · $3 = 'orders' · $4 = 'id' · $5 = 'refunds' · $6 = 'id' · $7 = 'outbox' · $8 = 'seq' · $9 = 'user_coupons' · $10 = 'id'
select coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass), 0) as "balanceHistoryId", coalesce(pg_sequence_last_value(pg_get_serial_sequence($3, $4)::regclass), 0) as "orderId",
coalesce(pg_sequence_last_value(pg_get_serial_sequence($5, $6)::regclass), 0) as "refundId", coalesce(pg_sequence_last_value(pg_get_serial_sequence($7, $8)::regclass), 0) as "outboxSeq",
coalesce(pg_sequence_last_value(pg_get_serial_sequence($9, $10)::regclass), 0) as "userCouponId";

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [2/52]
select clock_timestamp() as at;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [3/52]
-- $1 = <the time now> · $2 = <a value the code composes>
select count(*)::int as n from pg_stat_activity a
where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()
  and (xact_start < $1 or state is null)
  and not (backend_xid is null and exists (
        select 1 from pg_locks l
        where l.pid = a.pid and l.locktype = 'advisory' and l.objsubid = 1
          and ((l.classid::bigint << 32) | l.objid::bigint) = any($2::bigint[])));

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [4/52]
start transaction isolation level repeatable read;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [5/52]
set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms';

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [6/52]
-- $1 = 1
select * from "invariant_checkpoint" where "id" = $1;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [7/52]
-- $1 = 'on'
select set_config('enable_nestloop', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [8/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [9/52]
-- $1 = 4001 · $2 = 9101 · $3 = 3001 · $4 = 2001 · $5 = 5001
select id from orders where id > $1
union select order_id from balance_history where id > $2 and order_id is not null
union select order_id from refunds where id > $3
union select order_id from outbox where seq > $4 and type like 'order.%'
union select order_id from user_coupons where id > $5 and order_id is not null;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [10/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [11/52]
-- $1 maxListed
select format('user %s: balance %s, but its last history row says %s', user_id, balance, coalesce(last, 0)) as detail
from (
  select w.user_id, w.balance,
         (select h.balance_after from balance_history h where h.user_id = w.user_id order by h.id desc limit 1) as last
  from wallets w
) checked
where balance <> coalesce(last, 0) or balance < 0
limit $1;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [12/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [13/52]
-- $1 maxBalance · $2 = 9101 · $3 maxBalance · $4 maxListed
select format('charge %s of user %s took the balance to %s, above %s', id, user_id, balance_after, $1::bigint) as detail
from balance_history where id > $2 and type = 'CHARGE' and balance_after > $3::bigint
limit $4;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [14/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [15/52]
-- $1 = 9101 · $2 maxListed
select format('history %s of user %s: balance_after %s, but the running sum is %s', h.id, h.user_id, h.balance_after, running) as detail
from balance_history h
cross join lateral (
  select coalesce((select p.balance_after from balance_history p where p.user_id = h.user_id and p.id < h.id order by p.id desc limit 1), 0)
         + case when h.type = 'PAYMENT' then -h.amount else h.amount end as running
) r
where h.id > $1 and h.balance_after <> running
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [16/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [17/52]
-- $1 = 9101 · $2 maxListed
select format('history %s of user %s names order %s of user %s', h.id, h.user_id, o.id, o.user_id) as detail
from balance_history h join orders o on o.id = h.order_id
where h.id > $1 and o.user_id <> h.user_id
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [18/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [19/52]
-- $1 = <a value the code composes> · $2 maxListed
select format('order %s of user %s: %s PAYMENT rows of the order''s paid amount %s', o.id, o.user_id, count(h.id), o.paid_amount) as detail
from orders o
left join balance_history h on h.order_id = o.id and h.type = 'PAYMENT' and h.user_id = o.user_id and h.amount = o.paid_amount
where "o"."id" = any($1::bigint[])
group by o.id
having count(h.id) <> 1
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [20/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [21/52]
-- $1 = 4001 · $2 = 2001 · $3 = 3001 · $4 = '{"8001":12}' · $5 maxListed
with moved as (
select product_id, sum(units)::bigint as units from (
  select l.product_id, l.quantity as units
  from order_lines l where l.order_id > $1 and true
  union all
  select l.product_id, -l.quantity
  from (select distinct order_id from outbox e
        where e.seq > $2 and true and e.type = 'order.cancelled') c
  join orders o on o.id = c.order_id and o.status = 'CANCELLED'
  join order_lines l on l.order_id = o.id
  union all
  select rl.product_id, -rl.quantity
  from refunds r join refund_lines rl on rl.refund_id = r.id
  where r.id > $3 and true and r.restocked
) moved
group by product_id)
  select format('product %s: received %s - units out %s (sold less put back) <> stock %s',
                p.id, p.stock_received, coalesce(m.units, 0) + coalesce(v.units, 0), coalesce(st.stock, 0)) as detail
  from products p
  left join (select product_id, sum(remaining) as stock, bool_or(remaining < 0) as shard_below_zero from product_stock_shards group by product_id) st on st.product_id = p.id
  left join (select key::bigint as product_id, value::bigint as units from jsonb_each_text($4::jsonb)) m
         on m.product_id = p.id
  left join moved v on v.product_id = p.id
  where p.stock_received - coalesce(m.units, 0) - coalesce(v.units, 0) <> coalesce(st.stock, 0) or st.shard_below_zero
  limit $5;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [22/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [23/52]
-- $1 = '{"6001":3}' · $2 = 5001 · $3 maxListed
select format('coupon %s: %s issued + %s remaining <> total %s', c.id, coalesce(u.issued, 0), coalesce(s.remaining, 0), c.total_quantity) as detail
from coupons c
left join (select coalesce(m.coupon_id, f.coupon_id) as coupon_id, coalesce(m.issued, 0) + coalesce(f.issued, 0) as issued
      from (select key::bigint as coupon_id, value::bigint as issued from jsonb_each_text($1::jsonb)) m
      full join (
select coupon_id, count(*)::bigint as issued from user_coupons
where id > $2
group by coupon_id) f on f.coupon_id = m.coupon_id) u on u.coupon_id = c.id
left join (select coupon_id, sum(remaining) as remaining from coupon_stock_shards group by coupon_id) s on s.coupon_id = c.id
where coalesce(u.issued, 0) > c.total_quantity
   or coalesce(u.issued, 0) + coalesce(s.remaining, 0) <> c.total_quantity
   or coalesce(s.remaining, 0) < 0
limit $3;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [24/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [25/52]
-- $1 = 5001 · $2 maxListed
select format('user %s holds coupon %s %s times', user_id, coupon_id, count(*)) as detail
from user_coupons where (user_id, coupon_id) in (select user_id, coupon_id from user_coupons where id > $1) group by user_id, coupon_id having count(*) > 1
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [26/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [27/52]
-- $1 = <a value the code composes> · $2 maxListed
select format('user coupon %s pays %s orders that are not cancelled', user_coupon_id, count(*)) as detail
from orders where user_coupon_id is not null and status <> 'CANCELLED' and user_coupon_id in (select user_coupon_id from orders where id = any($1::bigint[]))
group by user_coupon_id having count(*) > 1
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [28/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [29/52]
-- $1 = <a value the code composes> · $2 maxListed
select format('order %s uses user coupon %s, which records order %s and belongs to user %s', o.id, o.user_coupon_id, uc.order_id, uc.user_id) as detail
from orders o join user_coupons uc on uc.id = o.user_coupon_id
where "o"."id" = any($1::bigint[])
  and (uc.user_id <> o.user_id or (o.status <> 'CANCELLED' and (uc.order_id is distinct from o.id or uc.used_at is null)))
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [30/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [31/52]
-- $1 = 5001 · $2 = <a value the code composes> · $3 = <a value the code composes> · $4 maxListed
select format('user coupon %s records order %s, which does not use it or is cancelled', uc.id, uc.order_id) as detail
from user_coupons uc left join orders o on o.id = uc.order_id
where (uc.id > $1 or uc.order_id = any($2::bigint[])
         or uc.id in (select user_coupon_id from orders where id = any($3::bigint[]))) and uc.order_id is not null and (o.id is null or o.user_coupon_id is distinct from uc.id or o.status = 'CANCELLED')
limit $4;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [32/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [33/52]
-- $1 = <a value the code composes> · $2 maxListed
select format('order %s: line shares add up to %s, not its paid amount %s', o.id, sum(l.paid_amount), o.paid_amount) as detail
from orders o join order_lines l on l.order_id = o.id
where "o"."id" = any($1::bigint[])
group by o.id
having sum(l.paid_amount) <> o.paid_amount
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [34/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [35/52]
-- $1 = <a value the code composes> · $2 = <a value the code composes> · $3 maxListed
with back as (
  select order_id, product_id, sum(quantity) as units, sum(amount) as amount from refund_lines where "order_id" = any($1::bigint[]) group by order_id, product_id
)
select format('order %s, product %s: %s of %s units refunded for %s of its share %s; the line says %s refunded',
              o.id, l.product_id, coalesce(b.units, 0), l.quantity, coalesce(b.amount, 0), l.paid_amount, l.refunded_quantity) as detail
from orders o
join order_lines l on l.order_id = o.id
left join back b on b.order_id = l.order_id and b.product_id = l.product_id
where "o"."id" = any($2::bigint[])
  and (coalesce(b.amount, 0) > l.paid_amount
   or coalesce(b.amount, 0) <> div(l.paid_amount::numeric * coalesce(b.units, 0), l.quantity)
   or l.refunded_quantity <> case when o.status = 'CANCELLED' then l.quantity else coalesce(b.units, 0) end)
limit $3;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [36/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [37/52]
-- $1 = <a value the code composes> · $2 = <a value the code composes> · $3 = <a value the code composes> · $4 = <a value the code composes> · $5 maxListed
with refunded as (
  select order_id, count(*) as refunds, sum(amount) as amount from refunds where "order_id" = any($1::bigint[]) group by order_id
),
lines as (
  select order_id, bool_and(refunded_quantity = quantity) as all_back from order_lines where "order_id" = any($2::bigint[]) group by order_id
),
credited as (
  select order_id, count(*) as rows, sum(amount) as amount from (select h.order_id, h.amount from orders o join balance_history h on h.user_id = o.user_id and h.order_id = o.id
      where o.id = any($3::bigint[]) and h.type = 'REFUND') h group by order_id
)
select format('order %s: %s, %s refunds of %s won, refunded amount %s of %s paid, %s REFUND rows of %s won',
              o.id, o.status, coalesce(r.refunds, 0), coalesce(r.amount, 0), o.refunded_amount, o.paid_amount,
              coalesce(c.rows, 0), coalesce(c.amount, 0)) as detail
from orders o
join lines l on l.order_id = o.id
left join refunded r on r.order_id = o.id
left join credited c on c.order_id = o.id
where "o"."id" = any($4::bigint[])
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
limit $5;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [38/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [39/52]
-- $1 = <a value the code composes> · $2 = <the time now> · $3 = <the time now> · $4 = <a value the code composes> · $5 = <the time now> · $6 = <a value the code composes> · $7 maxListed
with events as (
  select type, seq, order_id from outbox where "order_id" = any($1::bigint[])
),
counted as (
  select o.id, o.status, o.created_at < $2::timestamptz as paid_purgeable, o.cancelled_at < $3::timestamptz as cancel_purgeable,
         count(*) filter (where e.type = 'order.paid') as paid,
         count(*) filter (where e.type = 'order.cancelled') as cancelled,
         count(*) filter (where e.type = 'order.refunded') as refunded,
         min(e.seq) filter (where e.type = 'order.paid') as paid_seq,
         min(e.seq) as first_seq
  from orders o left join events e on e.order_id = o.id
  where "o"."id" = any($4::bigint[])
  group by o.id
)
select format('order %s (%s): %s order.paid, %s order.cancelled, %s order.refunded events for %s refunds%s',
              c.id, c.status, c.paid, c.cancelled, c.refunded, coalesce(r.refunds, 0),
              case when c.paid_seq is distinct from c.first_seq then ', the paid event not first' else '' end) as detail
from counted c
left join (
  select order_id, count(*) as refunds, count(*) filter (where created_at >= $5::timestamptz) as kept
  from refunds where "order_id" = any($6::bigint[]) group by order_id
) r on r.order_id = c.id
where c.paid > 1 or (c.paid = 0 and not c.paid_purgeable)
   or c.cancelled > case when c.status = 'CANCELLED' then 1 else 0 end
   or (c.status = 'CANCELLED' and c.cancelled = 0 and not c.cancel_purgeable)
   or c.refunded > coalesce(r.refunds, 0) or c.refunded < coalesce(r.kept, 0)
   or (c.paid_seq is not null and c.paid_seq <> c.first_seq)
limit $7;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [40/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [41/52]
-- $1 = <a value the code composes> · $2 = <the time now> · $3 maxListed
select format('refund %s of order %s has %s order.refunded events', r.id, r.order_id, count(e.seq)) as detail
from refunds r
left join outbox e on e.type = 'order.refunded' and (e.payload -> 'refund' ->> 'refundId')::bigint = r.id
                  and e.order_id = r.order_id
where "r"."order_id" = any($1::bigint[])
group by r.id
having count(e.seq) > 1 or (count(e.seq) = 0 and r.created_at >= $2::timestamptz)
limit $3;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [42/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [43/52]
-- $1 = 2001 · $2 maxListed
select format('outbox event %s names order %s, which does not exist', e.event_id, e.order_id) as detail
from outbox e left join orders o on o.id = e.order_id
where e.seq > $1 and e.type like 'order.%' and o.id is null
limit $2;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [44/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [45/52]
select day::text as day, (extract(epoch from aggregated_at) * 1000000)::bigint::text as stamp
from sales_aggregation_runs where complete order by day;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [46/52]
-- $1 = '10000'
select set_config('statement_timeout', $1, true);

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [47/52]
-- $1 = '2026-11-24' · $2 timeZone · $3 = '2026-11-24' · $4 timeZone · $5 = '2026-11-24' · $6 timeZone · $7 = '2026-11-24' · $8 timeZone · $9 = '2026-11-24' · $10 timeZone · $11 = '2026-11-24' · $12 timeZone · $13 = '2026-11-24' · $14 = '2026-11-24' · $15 maxListed
with placed as materialized (
  select id from orders where created_at >= ($1::date::timestamp at time zone $2) and created_at < (($3::date + 1)::timestamp at time zone $4)
),
movements as (
  select l.product_id, l.quantity, l.amount
  from placed o join order_lines l on l.order_id = o.id
  where l.order_id between (select min(id) from placed) and (select max(id) from placed)
  union all
  select l.product_id, -l.quantity, -l.amount
  from orders o join order_lines l on l.order_id = o.id
  where o.cancelled_at >= ($5::date::timestamp at time zone $6) and o.cancelled_at < (($7::date + 1)::timestamp at time zone $8)
  union all
  select rl.product_id, -rl.quantity, -rl.quantity * l.unit_price
  from refunds r
  join refund_lines rl on rl.refund_id = r.id
  join order_lines l on l.order_id = rl.order_id and l.product_id = rl.product_id
  where r.created_at >= ($9::date::timestamp at time zone $10) and r.created_at < (($11::date + 1)::timestamp at time zone $12)
),
expected as (
  select product_id, sum(quantity) as quantity, sum(amount) as revenue
  from movements group by product_id
  having sum(quantity) <> 0 or sum(amount) <> 0
),
stored as (
  select product_id, quantity, revenue from daily_product_sales where day = $13::date
)
select format('%s, product %s: statistics say %s sold for %s, the orders say %s for %s',
              $14::text, coalesce(e.product_id, s.product_id),
              coalesce(s.quantity, 0), coalesce(s.revenue, 0), coalesce(e.quantity, 0), coalesce(e.revenue, 0)) as detail
from expected e full join stored s on s.product_id = e.product_id
where e.quantity is distinct from s.quantity or e.revenue is distinct from s.revenue
limit $15;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [48/52]
-- $1 = 4001 · $2 = 4101 · $3 = 2001 · $4 = 2101 · $5 = 3001 · $6 = 3101
select product_id, sum(units)::bigint as units from (
  select l.product_id, l.quantity as units
  from order_lines l where l.order_id > $1 and "l"."order_id" <= $2
  union all
  select l.product_id, -l.quantity
  from (select distinct order_id from outbox e
        where e.seq > $3 and "e"."seq" <= $4 and e.type = 'order.cancelled') c
  join orders o on o.id = c.order_id and o.status = 'CANCELLED'
  join order_lines l on l.order_id = o.id
  union all
  select rl.product_id, -rl.quantity
  from refunds r join refund_lines rl on rl.refund_id = r.id
  where r.id > $5 and "r"."id" <= $6 and r.restocked
) moved
group by product_id;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [49/52]
-- $1 = 5001 · $2 = 5101
select coupon_id, count(*)::bigint as issued from user_coupons
where id > $1 and id <= $2
group by coupon_id;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [50/52]
select day::text as day, (extract(epoch from aggregated_at) * 1000000)::bigint::text as stamp
from sales_aggregation_runs where complete order by day;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [51/52]
-- $1 = 1 · $2 = <the time now> · $3 = 9201 · $4 = 4101 · $5 = 3101 · $6 = 2101 · $7 = 5101 · $8 = '{"8001":12}' · $9 = '{"6001":3}' · $10 = '{}' · $11 = <the time now> · $12 = 9201 · $13 = 4101 · $14 = 3101 · $15 = 2101 · $16 = 5101 · $17 = '{"8001":12}' · $18 = '{"6001":3}' · $19 = '{}'
insert into "invariant_checkpoint" ("id", "checked_at", "balance_history_id", "order_id", "refund_id", "outbox_seq", "user_coupon_id", "units_out", "coupons_issued", "aggregated_days") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict ("id") do update set "checked_at" = $11, "balance_history_id" = $12, "order_id" = $13, "refund_id" = $14, "outbox_seq" = $15, "user_coupon_id" = $16, "units_out" = $17, "coupons_issued" = $18, "aggregated_days" = $19;

-- PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced [52/52]
commit;
