import { describe, expect, it } from 'vitest';
import { addDays, BusinessCalendar, isCalendarDay } from './business-calendar';

describe('BusinessCalendar in Asia/Seoul (UTC+9, no daylight saving)', () => {
  const seoul = new BusinessCalendar('Asia/Seoul');

  it('puts 23:59:59 and 00:00:00 local time on different days', () => {
    expect(seoul.dayOf(new Date('2026-11-24T14:59:59.999Z'))).toBe('2026-11-24'); // 23:59:59.999 KST
    expect(seoul.dayOf(new Date('2026-11-24T15:00:00.000Z'))).toBe('2026-11-25'); // 00:00:00 KST
  });

  it('answers a day as [local 00:00, next local 00:00)', () => {
    expect(seoul.windowOf('2026-11-25')).toEqual({ from: new Date('2026-11-24T15:00:00.000Z'), to: new Date('2026-11-25T15:00:00.000Z') });
    expect(seoul.startOf('2027-01-01')).toEqual(new Date('2026-12-31T15:00:00.000Z'));
  });

  it('agrees with itself: every instant of a window falls on that day', () => {
    const { from, to } = seoul.windowOf('2026-03-01');
    expect(seoul.dayOf(from)).toBe('2026-03-01');
    expect(seoul.dayOf(new Date(to.getTime() - 1))).toBe('2026-03-01');
    expect(seoul.dayOf(to)).toBe('2026-03-02');
  });

  it('refuses an unknown zone at construction', () => {
    expect(() => new BusinessCalendar('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('BusinessCalendar in America/New_York (daylight saving)', () => {
  const newYork = new BusinessCalendar('America/New_York');
  const hours = (w: { from: Date; to: Date }) => (w.to.getTime() - w.from.getTime()) / 3_600_000;

  it('has a 23-hour day when the clocks spring forward', () => {
    const w = newYork.windowOf('2026-03-08');
    expect(w).toEqual({ from: new Date('2026-03-08T05:00:00.000Z'), to: new Date('2026-03-09T04:00:00.000Z') });
    expect(hours(w)).toBe(23);
  });

  it('has a 25-hour day when the clocks fall back', () => {
    const w = newYork.windowOf('2026-11-01');
    expect(w).toEqual({ from: new Date('2026-11-01T04:00:00.000Z'), to: new Date('2026-11-02T05:00:00.000Z') });
    expect(hours(w)).toBe(25);
  });

  it('puts 23:59:59 and 00:00:00 local time on different days on either side of a change', () => {
    expect(newYork.dayOf(new Date('2026-03-08T04:59:59.000Z'))).toBe('2026-03-07'); // 23:59:59 EST
    expect(newYork.dayOf(new Date('2026-03-08T05:00:00.000Z'))).toBe('2026-03-08'); // 00:00:00 EST
    expect(newYork.dayOf(new Date('2026-11-02T04:59:59.000Z'))).toBe('2026-11-01'); // 23:59:59 EST
    expect(newYork.dayOf(new Date('2026-11-02T05:00:00.000Z'))).toBe('2026-11-02');
    expect(newYork.dayOf(new Date('2026-11-01T05:30:00.000Z'))).toBe('2026-11-01'); // 01:30 EDT…
    expect(newYork.dayOf(new Date('2026-11-01T06:30:00.000Z'))).toBe('2026-11-01'); // …and 01:30 EST again
  });

  it('tiles the year: each day ends where the next begins', () => {
    let day = '2026-01-01';
    for (let i = 0; i < 365; i += 1) {
      const next = addDays(day, 1);
      const { from, to } = newYork.windowOf(day);
      expect(to).toEqual(newYork.windowOf(next).from);
      expect(newYork.dayOf(from)).toBe(day);
      expect(newYork.dayOf(new Date(to.getTime() - 1))).toBe(day);
      day = next;
    }
  });
});

describe('calendar days', () => {
  it('recognises real dates written YYYY-MM-DD only', () => {
    expect(isCalendarDay('2026-11-24')).toBe(true);
    expect(isCalendarDay('2028-02-29')).toBe(true);
    for (const notADay of ['2026-02-29', '2026-13-01', '2026-11-31', '2026-1-1', '26-11-24', '2026-11-24T00:00', '', 'yesterday']) {
      expect(isCalendarDay(notADay)).toBe(false);
    }
  });

  it('adds and subtracts days across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-11-24', 0)).toBe('2026-11-24');
    expect(addDays('2026-11-24', -30)).toBe('2026-10-25');
  });
});
