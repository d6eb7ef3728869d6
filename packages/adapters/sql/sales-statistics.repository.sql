-- The SQL of packages/adapters/src/repositories/sales-statistics.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgSalesStatisticsRepository.replaceDay [1/5]
-- $1 lockNamespace · $2 dayKey
select pg_advisory_xact_lock($1, $2);

-- PgSalesStatisticsRepository.replaceDay [2/5]
-- $1 day
delete from "daily_product_sales" where "day" = $1;

-- PgSalesStatisticsRepository.replaceDay [3/5]
-- $1 from · $2 to · $3 day · $4 from · $5 to · $6 from · $7 to
with placed as materialized (
  select id from orders where created_at >= $1 and created_at < $2
)
insert into daily_product_sales (day, product_id, quantity, revenue)
select $3::date, product_id, sum(quantity)::bigint, sum(revenue)::bigint
from (
  select l.product_id, l.quantity, l.amount as revenue
  from placed o join order_lines l on l.order_id = o.id
  where l.order_id between (select min(id) from placed) and (select max(id) from placed)
  union all
  select l.product_id, -l.quantity, -l.amount
  from orders o join order_lines l on l.order_id = o.id
  where o.cancelled_at >= $4 and o.cancelled_at < $5
  union all
  select rl.product_id, -rl.quantity, -rl.quantity * l.unit_price
  from refunds r
  join refund_lines rl on rl.refund_id = r.id
  join order_lines l on l.order_id = rl.order_id and l.product_id = rl.product_id
  where r.created_at >= $6 and r.created_at < $7
) movements
group by product_id
having sum(quantity) <> 0 or sum(revenue) <> 0;

-- PgSalesStatisticsRepository.replaceDay [4/5]
-- $1 day · $2 complete
insert into sales_aggregation_runs (day, aggregated_at, complete)
values ($1::date, now(), $2)
on conflict (day) do update set aggregated_at = excluded.aggregated_at, complete = excluded.complete;

-- PgSalesStatisticsRepository.replaceDay [5/5]
-- $1 day
select "day", "product_id", "quantity", "revenue" from "daily_product_sales" where "day" = $1 order by "product_id";
