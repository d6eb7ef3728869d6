import type { Clock } from '@storefront/application';

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
