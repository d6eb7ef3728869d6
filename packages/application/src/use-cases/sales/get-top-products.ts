import { invalid } from '@storefront/domain';
import type { Clock, SalesQueries, TopProductsView } from '../../ports';
import { addDays, type BusinessCalendar } from '../../support/business-calendar';


/**
 * Best sellers over the last `days` complete business days (today excluded), read from the
 * daily statistics only: by quantity, then revenue, then lower product id.
 */
export class GetTopProducts {
  constructor(
    private readonly sales: SalesQueries,
    private readonly calendar: BusinessCalendar,
    private readonly clock: Clock,
  ) {}

  async execute(input: { days: number; limit: number }): Promise<TopProductsView> {
    if (!Number.isInteger(input.days) || input.days < 1 || input.days > 30) throw invalid('days must be from 1 to 30');
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 50) throw invalid('limit must be from 1 to 50');
    const today = this.calendar.dayOf(this.clock.now());
    const from = addDays(today, -input.days);
    const to = addDays(today, -1);
    return { from, to, items: await this.sales.topProducts(from, to, input.limit) };
  }
}
