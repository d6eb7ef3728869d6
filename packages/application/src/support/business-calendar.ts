/**
 * Business days in the service's time zone (`TZ_BUSINESS`). A day is the half-open interval
 * [local 00:00, next local 00:00), so an order at 23:59:59 and one at 00:00:00 land on
 * different days, whatever the offset or daylight saving of the zone.
 */
export class BusinessCalendar {
  private readonly dayFormat: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    // Throws a RangeError on an unknown zone, so a bad TZ_BUSINESS stops the process at start.
    this.dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** The business day (YYYY-MM-DD) that `instant` falls on. */
  dayOf(instant: Date): string {
    return this.dayFormat.format(instant);
  }

  /** The instants where `day` starts (inclusive) and ends (exclusive). */
  windowOf(day: string): { from: Date; to: Date } {
    return { from: this.startOf(day), to: this.startOf(addDays(day, 1)) };
  }

  /** The UTC instant of local midnight at the start of `day`. */
  startOf(day: string): Date {
    const midnightUtc = Date.parse(`${day}T00:00:00Z`);
    // Two passes converge on the zone's offset at that local midnight, across DST changes.
    let guess = midnightUtc - this.offsetMs(new Date(midnightUtc));
    guess = midnightUtc - this.offsetMs(new Date(guess));
    return new Date(guess);
  }

  /** How far local wall-clock time is ahead of UTC at `instant`. */
  private offsetMs(instant: Date): number {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: this.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(instant);
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const wallClockAsUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
    return wallClockAsUtc - Math.floor(instant.getTime() / 1000) * 1000;
  }
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The business days the service reasons about. Before 1970 no order can exist, and the edges
 * break arithmetic: `Date.UTC` maps years 0–99 to 1900–1999, and the day after 9999-12-31 has
 * no YYYY-MM-DD form.
 */
export const FIRST_BUSINESS_DAY = '1970-01-01';
export const LAST_BUSINESS_DAY = '9999-12-30';

/** True for a real calendar date written YYYY-MM-DD, from FIRST_BUSINESS_DAY to LAST_BUSINESS_DAY. */
export function isCalendarDay(day: string): boolean {
  if (!DAY_PATTERN.test(day) || day < FIRST_BUSINESS_DAY || day > LAST_BUSINESS_DAY) return false;
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
