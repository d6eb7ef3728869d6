import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aWallet, failureOf, MAX_BALANCE, minutesAfter, NOW } from '../../test/mothers';
import { DomainError, ErrorCode } from '../shared/domain-error';
import { Money } from '../shared/money';
import { Wallet } from './wallet';

const LATER = minutesAfter(NOW, 5);

describe('Wallet', () => {
  it('opens at balance 0 for a user who never charged', () => {
    const wallet = Wallet.openFor(7, NOW);
    expect(wallet.toPrimitives()).toEqual({ userId: 7, balance: 0, updatedAt: NOW });
  });

  it.each([0, -1, 1.5])('refuses to open for user id %s', (userId) => {
    expect(failureOf(() => Wallet.openFor(userId, NOW)).code).toBe(ErrorCode.ValidationFailed);
  });

  it('rebuilds from its primitives, refusing a negative balance', () => {
    expect(Wallet.fromPrimitives({ userId: 3, balance: 500, updatedAt: NOW }).toPrimitives()).toEqual({ userId: 3, balance: 500, updatedAt: NOW });
    expect(failureOf(() => Wallet.fromPrimitives({ userId: 3, balance: -1, updatedAt: NOW })).code).toBe(ErrorCode.ValidationFailed);
  });

  describe('refund', () => {
    it('credits the amount even above the ceiling, and a zero refund is still a REFUND line', () => {
      const wallet = aWallet({ userId: 2, balance: MAX_BALANCE.won });
      expect(wallet.refund(Money.of(1_500), LATER)).toEqual({ userId: 2, type: 'REFUND', amount: 1_500, balanceAfter: MAX_BALANCE.won + 1_500, occurredAt: LATER });
      expect(wallet.refund(Money.ZERO, LATER)).toMatchObject({ type: 'REFUND', amount: 0, balanceAfter: MAX_BALANCE.won + 1_500 });
      expect(wallet.balance.won).toBe(MAX_BALANCE.won + 1_500);
    });
  });

  describe('charge', () => {
    it('adds the amount and answers the history line to record', () => {
      const wallet = aWallet({ userId: 2, balance: 1_000 });
      const change = wallet.charge(Money.of(4_000), MAX_BALANCE, LATER);
      expect(change).toEqual({ userId: 2, type: 'CHARGE', amount: 4_000, balanceAfter: 5_000, occurredAt: LATER });
      expect(wallet.balance.won).toBe(5_000);
      expect(wallet.updatedAt).toBe(LATER);
    });

    it('may fill the wallet exactly up to the ceiling', () => {
      const wallet = aWallet({ balance: 9_999_000 });
      expect(wallet.charge(Money.of(1_000), MAX_BALANCE, LATER).balanceAfter).toBe(10_000_000);
    });

    it('fails with BALANCE_LIMIT_EXCEEDED one won above the ceiling, changing nothing', () => {
      const wallet = aWallet({ balance: 9_999_000 });
      const error = failureOf(() => wallet.charge(Money.of(1_001), MAX_BALANCE, LATER));
      expect(error.code).toBe(ErrorCode.BalanceLimitExceeded);
      expect(error.details).toEqual({ balance: 9_999_000, maxBalance: 10_000_000 });
      expect(wallet.toPrimitives()).toEqual({ userId: 1, balance: 9_999_000, updatedAt: NOW });
    });

    it('fails with BALANCE_LIMIT_EXCEEDED, not a validation error, for amounts whose sum passes 2^53', () => {
      const wallet = aWallet({ balance: 5 });
      expect(failureOf(() => wallet.charge(Money.of(Number.MAX_SAFE_INTEGER), MAX_BALANCE, LATER)).code).toBe(ErrorCode.BalanceLimitExceeded);
      expect(wallet.balance.won).toBe(5);
    });

    it('refuses a charge of 0 won as VALIDATION_FAILED', () => {
      const wallet = aWallet({ balance: 100 });
      expect(failureOf(() => wallet.charge(Money.ZERO, MAX_BALANCE, LATER)).code).toBe(ErrorCode.ValidationFailed);
      expect(wallet.balance.won).toBe(100);
    });
  });

  describe('pay', () => {
    it('takes the amount and answers the history line to record', () => {
      const wallet = aWallet({ userId: 4, balance: 10_000 });
      expect(wallet.pay(Money.of(3_500), LATER)).toEqual({ userId: 4, type: 'PAYMENT', amount: 3_500, balanceAfter: 6_500, occurredAt: LATER });
      expect(wallet.balance.won).toBe(6_500);
      expect(wallet.updatedAt).toBe(LATER);
    });

    it('may pay the whole balance, and a zero payment (a 100 % coupon) is still recorded', () => {
      const wallet = aWallet({ balance: 2_000 });
      expect(wallet.pay(Money.of(2_000), LATER).balanceAfter).toBe(0);
      expect(wallet.pay(Money.ZERO, LATER)).toMatchObject({ type: 'PAYMENT', amount: 0, balanceAfter: 0 });
    });

    it('fails with INSUFFICIENT_BALANCE one won short, changing nothing', () => {
      const wallet = aWallet({ balance: 2_000 });
      const error = failureOf(() => wallet.pay(Money.of(2_001), LATER));
      expect(error.code).toBe(ErrorCode.InsufficientBalance);
      expect(error.details).toEqual({ balance: 2_000, required: 2_001 });
      expect(wallet.toPrimitives()).toEqual({ userId: 1, balance: 2_000, updatedAt: NOW });
    });
  });

  it('keeps 0 ≤ balance ≤ ceiling and balance = Σ charges − Σ payments, whatever is attempted', () => {
    const operation = fc.record({ kind: fc.constantFrom('charge', 'pay'), amount: fc.integer({ min: 0, max: 12_000_000 }) });
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const wallet = Wallet.openFor(1, NOW);
        let charged = 0;
        let paid = 0;
        for (const { kind, amount } of operations) {
          try {
            const change = kind === 'charge' ? wallet.charge(Money.of(amount), MAX_BALANCE, NOW) : wallet.pay(Money.of(amount), NOW);
            if (change.type === 'CHARGE') charged += change.amount;
            else paid += change.amount;
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            expect([ErrorCode.ValidationFailed, ErrorCode.BalanceLimitExceeded, ErrorCode.InsufficientBalance]).toContain((error as DomainError).code);
          }
          expect(wallet.balance.won).toBe(charged - paid);
          expect(wallet.balance.won).toBeGreaterThanOrEqual(0);
          expect(wallet.balance.won).toBeLessThanOrEqual(MAX_BALANCE.won);
        }
      }),
    );
  });
});
