import { DomainError, ErrorCode } from '../shared/domain-error';
import { requireId, type UserId } from '../shared/ids';
import { Money } from '../shared/money';

export interface WalletPrimitives {
  userId: UserId;
  balance: number;
  updatedAt: Date;
}

/**
 * A user's prepaid balance. It never goes below zero nor above the configured ceiling; every
 * change returns a `BalanceChange` so the caller can record it in the history.
 */
export class Wallet {
  private constructor(
    readonly userId: UserId,
    private currentBalance: Money,
    private lastUpdatedAt: Date,
  ) {}

  /** The wallet of a user who never charged: balance 0. */
  static openFor(userId: UserId, now: Date): Wallet {
    return new Wallet(requireId(userId, 'userId'), Money.ZERO, now);
  }

  static fromPrimitives(p: WalletPrimitives): Wallet {
    return new Wallet(p.userId, Money.of(p.balance), p.updatedAt);
  }

  get balance(): Money {
    return this.currentBalance;
  }

  get updatedAt(): Date {
    return this.lastUpdatedAt;
  }

  charge(amount: Money, ceiling: Money, now: Date): BalanceChange {
    if (amount.won < 1) throw new DomainError(ErrorCode.ValidationFailed, 'A charge must be at least 1 won');
    // Compared as headroom, not as balance + amount: a huge amount must read as over the
    // limit, not overflow the safe-integer range into a validation error.
    if (amount.won > ceiling.won - this.currentBalance.won) {
      throw new DomainError(
        ErrorCode.BalanceLimitExceeded,
        `Charging ${amount.won} won to a balance of ${this.currentBalance.won} would exceed the limit of ${ceiling.won}`,
        { balance: this.currentBalance.won, maxBalance: ceiling.won },
      );
    }
    return this.apply('CHARGE', amount, this.currentBalance.plus(amount), now);
  }

  /** Pays for an order. A zero payment (a 100 % coupon) is allowed and still recorded. */
  pay(amount: Money, now: Date): BalanceChange {
    if (!this.currentBalance.covers(amount)) {
      throw new DomainError(
        ErrorCode.InsufficientBalance,
        `The balance of ${this.currentBalance.won} won does not cover ${amount.won} won`,
        { balance: this.currentBalance.won, required: amount.won },
      );
    }
    return this.apply('PAYMENT', amount, this.currentBalance.minus(amount), now);
  }

  /**
   * Gives back money of an order (a cancellation or a refund). Not bounded by the ceiling: it is
   * money the shop owes. A zero refund (of a line paid entirely by a coupon) is still recorded.
   */
  refund(amount: Money, now: Date): BalanceChange {
    return this.apply('REFUND', amount, this.currentBalance.plus(amount), now);
  }

  toPrimitives(): WalletPrimitives {
    return { userId: this.userId, balance: this.currentBalance.won, updatedAt: this.lastUpdatedAt };
  }

  private apply(type: BalanceChangeType, amount: Money, after: Money, now: Date): BalanceChange {
    this.currentBalance = after;
    this.lastUpdatedAt = now;
    return { userId: this.userId, type, amount: amount.won, balanceAfter: after.won, occurredAt: now };
  }
}

export const BALANCE_CHANGE_TYPES = ['CHARGE', 'PAYMENT', 'REFUND'] as const;
export type BalanceChangeType = (typeof BALANCE_CHANGE_TYPES)[number];

/** One line of the balance history, before it is stored. */
export interface BalanceChange {
  userId: UserId;
  type: BalanceChangeType;
  amount: number;
  balanceAfter: number;
  occurredAt: Date;
}
