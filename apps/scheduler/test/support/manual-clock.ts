import type { Clock } from '@storefront/application';

/** A clock that stands where the test puts it. */
export class ManualClock implements Clock {
  private current: Date;

  constructor(start: string) {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: string): void {
    this.current = new Date(instant);
  }
}
