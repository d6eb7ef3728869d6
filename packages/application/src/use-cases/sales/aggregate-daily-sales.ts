import { invalid } from '@storefront/domain';
import type { DailyProductSales, TransactionHorizon, UnitOfWork } from '../../ports';
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
 *
 * A day is recorded complete only when nothing can still add to it. An order is stamped when
 * its transaction reads the clock, and may commit much later (behind a lock, on a slow
 * machine); so the aggregation first waits until every transaction open at a moment after the
 * day's end has ended (`TransactionHorizon`). Transactions that begin after that moment read the
 * clock after it and stamp the next day. If some transaction stays open past the horizon's
 * deadline, the day is written but left incomplete, and the next run (at the next 00:00 or on
 * start) does it again.
 */
export class AggregateDailySales {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly calendar: BusinessCalendar,
    private readonly horizon: TransactionHorizon,
  ) {}

  async execute(input: { day: string }): Promise<AggregateDailySalesOutput> {
    if (!isCalendarDay(input.day)) throw invalid(`day must be a calendar date YYYY-MM-DD, got ${input.day}`);
    const { from, to } = this.calendar.windowOf(input.day);
    const settledAt = await this.horizon.awaitOpenTransactions();
    const complete = settledAt !== null && settledAt >= to;
    const rows = await this.transactions.run((tx) => tx.salesStatistics.replaceDay(input.day, from, to, complete));
    return { day: input.day, from, to, rows };
  }
}
