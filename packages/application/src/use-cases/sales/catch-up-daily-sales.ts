import type { Clock, SalesQueries } from '../../ports';
import { addDays, type BusinessCalendar } from '../../support/business-calendar';
import type { AggregateDailySales } from './aggregate-daily-sales';

/**
 * Aggregates every complete business day since the last one aggregated, up to yesterday, at
 * most `maxDays` of them (the oldest missed days beyond that are left alone). The scheduler runs
 * it on start and at 00:00, so a scheduler that was down for a while fills the gap.
 */
export class CatchUpDailySales {
  constructor(
    private readonly sales: SalesQueries,
    private readonly aggregate: AggregateDailySales,
    private readonly calendar: BusinessCalendar,
    private readonly clock: Clock,
  ) {}

  async execute(input: { maxDays: number }): Promise<string[]> {
    const yesterday = addDays(this.calendar.dayOf(this.clock.now()), -1);
    const earliest = addDays(yesterday, -(input.maxDays - 1));
    const last = await this.sales.lastCompletedDay();
    const next = last === null ? earliest : addDays(last, 1);
    let day = next > earliest ? next : earliest;
    const done: string[] = [];
    for (; day <= yesterday; day = addDays(day, 1)) {
      await this.aggregate.execute({ day });
      done.push(day);
    }
    return done;
  }
}
