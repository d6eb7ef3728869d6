import { invalid } from '../shared/domain-error';
import { Money } from '../shared/money';

export const DISCOUNT_TYPES = ['FIXED', 'RATE'] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

/**
 * What a coupon takes off an order: a fixed number of won, or a percentage rounded down to the
 * won. Never more than the order's total, so the amount paid is never negative.
 */
export class Discount {
  private constructor(
    readonly type: DiscountType,
    readonly value: number,
  ) {}

  static of(type: DiscountType, value: number): Discount {
    if (type === 'FIXED') {
      if (!Number.isSafeInteger(value) || value < 1) throw invalid(`a FIXED discount must be at least 1 won, got ${value}`);
    } else if (type === 'RATE') {
      if (!Number.isInteger(value) || value < 1 || value > 100) {
        throw invalid(`a RATE discount must be a percentage from 1 to 100, got ${value}`);
      }
    } else {
      throw invalid(`unknown discount type ${String(type)}`);
    }
    return new Discount(type, value);
  }

  amountOff(total: Money): Money {
    if (this.type === 'FIXED') return Money.of(this.value).min(total);
    // BigInt keeps total × rate exact even when it passes 2^53.
    return Money.of(Number((BigInt(total.won) * BigInt(this.value)) / 100n));
  }
}
