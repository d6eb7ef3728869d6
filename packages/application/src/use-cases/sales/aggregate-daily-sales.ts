import { invalid } from '@storefront/domain';
import type { DailyProductSales, UnitOfWork } from '../../ports';
import { isCalendarDay, type BusinessCalendar } from '../../support/business-calendar';

export interface AggregateDailySalesOutput {
  day: string;
  from: Date;
  to: Date;
  rows: DailyProductSales[];
}

/**
 * Writes one business day's per-product statistics (quantity, revenue) from its net sales at
 * list price — the lines of orders placed that day less the units refunded or cancelled that
 * day, so a day's net may be negative — in one transaction. Running it again gives the same rows. Today may be aggregated too:
 * it then holds the partial day, and the 00:00 run replaces it with the whole one.
 */
export class AggregateDailySales {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly calendar: BusinessCalendar,
  ) {}

  async execute(input: { day: string }): Promise<AggregateDailySalesOutput> {
    if (!isCalendarDay(input.day)) throw invalid(`day must be a calendar date YYYY-MM-DD, got ${input.day}`);
    const { from, to } = this.calendar.windowOf(input.day);
    const rows = await this.transactions.run((tx) => tx.salesStatistics.replaceDay(input.day, from, to));
    return { day: input.day, from, to, rows };
  }
}
