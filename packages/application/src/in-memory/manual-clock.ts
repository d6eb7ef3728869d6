import type { Clock } from '../ports';

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string) {
    this.current = ManualClock.toMillis(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: Date | string): void {
    this.current = ManualClock.toMillis(instant);
  }

  advanceBy(ms: number): void {
    this.current += ms;
  }

  private static toMillis(instant: Date | string): number {
    const millis = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
    if (Number.isNaN(millis)) throw new Error(`Not an instant: ${String(instant)}`);
    return millis;
  }
}
