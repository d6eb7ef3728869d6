import type { SalesQueries, TopProductView } from '@storefront/application';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

export class PgSalesQueries implements SalesQueries {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Read from the daily statistics only: net units summed over the days (a product whose sales
   * were all given back is no best seller); ties go to higher revenue, then lower product id.
   */
  async topProducts(fromDay: string, toDay: string, limit: number): Promise<TopProductView[]> {
    const { rows } = await sql<TopProductView>`
      with totals as (
        select product_id, sum(quantity)::bigint as quantity, sum(revenue)::bigint as revenue
        from daily_product_sales
        where day between ${fromDay}::date and ${toDay}::date
        group by product_id
        having sum(quantity) > 0
      )
      select (row_number() over (order by t.quantity desc, t.revenue desc, t.product_id))::int as "rank",
             t.product_id as "productId", p.name, p.price,
             t.quantity as "soldQuantity", t.revenue
      from totals t
      join products p on p.id = t.product_id
      order by t.quantity desc, t.revenue desc, t.product_id
      limit ${limit}
    `.execute(this.db);
    return rows;
  }

  async lastCompletedDay(): Promise<string | null> {
    const row = await this.db
      .selectFrom('sales_aggregation_runs')
      .select((eb) => eb.fn.max('day').as('day'))
      .where('complete', '=', true)
      .executeTakeFirst();
    return row?.day ?? null;
  }
}
