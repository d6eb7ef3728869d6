import { invalid } from './domain-error';

/** An amount of Korean won: a non-negative integer within the safe-integer range. */
export class Money {
  static readonly ZERO = new Money(0);

  private constructor(readonly won: number) {}

  static of(won: number): Money {
    if (!Number.isSafeInteger(won) || won < 0) {
      throw invalid(`Money must be a non-negative safe integer of won, got ${won}`);
    }
    return won === 0 ? Money.ZERO : new Money(won);
  }

  /** A strictly positive amount, as every charge and price must be. */
  static positive(won: number, what = 'amount'): Money {
    if (!Number.isSafeInteger(won) || won < 1) {
      throw invalid(`${what} must be an integer of at least 1 won, got ${won}`);
    }
    return new Money(won);
  }

  plus(other: Money): Money {
    return Money.of(this.won + other.won);
  }

  /** Throws when the result would be negative: callers check affordability with `covers` first. */
  minus(other: Money): Money {
    return Money.of(this.won - other.won);
  }

  times(factor: number): Money {
    return Money.of(this.won * factor);
  }

  covers(other: Money): boolean {
    return this.won >= other.won;
  }

  exceeds(other: Money): boolean {
    return this.won > other.won;
  }

  min(other: Money): Money {
    return this.won <= other.won ? this : other;
  }

  equals(other: Money): boolean {
    return this.won === other.won;
  }

  toJSON(): number {
    return this.won;
  }
}
