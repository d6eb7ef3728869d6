-- The SQL of packages/adapters/src/queries/sales.queries.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgSalesQueries.topProducts
-- $1 fromDay · $2 toDay · $3 limit
with totals as (
  select product_id, sum(quantity)::bigint as quantity, sum(revenue)::bigint as revenue
  from daily_product_sales
  where day between $1::date and $2::date
  group by product_id
  having sum(quantity) > 0
)
select (row_number() over (order by t.quantity desc, t.revenue desc, t.product_id))::int as "rank",
       t.product_id as "productId", p.name, p.price,
       t.quantity as "soldQuantity", t.revenue
from totals t
join products p on p.id = t.product_id
order by t.quantity desc, t.revenue desc, t.product_id
limit $3;

-- PgSalesQueries.lastCompletedDay
-- $1 = true
select max("day") as "day" from "sales_aggregation_runs" where "complete" = $1;
