import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode, invalid, isDomainError } from './domain-error';
import { requireId } from './ids';
import { Money } from './money';
import { Quantity } from './quantity';
import { failureOf } from '../../test/mothers';

const MAX = Number.MAX_SAFE_INTEGER;
const won = fc.integer({ min: 0, max: MAX });

const codeOf = (fn: () => unknown): string => failureOf(fn).code;

describe('Money', () => {
  it('holds any non-negative safe integer of won', () => {
    expect(Money.of(0)).toBe(Money.ZERO);
    expect(Money.of(1).won).toBe(1);
    expect(Money.of(MAX).won).toBe(MAX);
  });

  it.each([-1, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1, 2 ** 60])('rejects %s as VALIDATION_FAILED', (value) => {
    expect(codeOf(() => Money.of(value))).toBe(ErrorCode.ValidationFailed);
  });

  it('takes a strictly positive amount only where one is required', () => {
    expect(Money.positive(1).won).toBe(1);
    expect(Money.positive(MAX).won).toBe(MAX);
    for (const value of [0, -5, 2.5, MAX + 1]) expect(codeOf(() => Money.positive(value, 'price'))).toBe(ErrorCode.ValidationFailed);
    expect(() => Money.positive(0, 'price')).toThrow(/price/);
  });

  it('adds exactly whenever the sum stays in the safe-integer range, and refuses to leave it', () => {
    fc.assert(
      fc.property(won, won, (a, b) => {
        if (a + b <= MAX) {
          expect(Money.of(a).plus(Money.of(b)).won).toBe(a + b);
          expect(Money.of(a).plus(Money.of(b)).equals(Money.of(b).plus(Money.of(a)))).toBe(true);
        } else {
          expect(codeOf(() => Money.of(a).plus(Money.of(b)))).toBe(ErrorCode.ValidationFailed);
        }
      }),
    );
  });

  it('subtracts back what was added, and never goes below zero', () => {
    fc.assert(
      fc.property(won, won, (a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        expect(Money.of(large).minus(Money.of(small)).won).toBe(large - small);
        if (small < large) expect(codeOf(() => Money.of(small).minus(Money.of(large)))).toBe(ErrorCode.ValidationFailed);
        if (a + b <= MAX) expect(Money.of(a).plus(Money.of(b)).minus(Money.of(b)).won).toBe(a);
      }),
    );
  });

  it('multiplies within range and refuses a product past 2^53', () => {
    expect(Money.of(1_500).times(3).won).toBe(4_500);
    expect(Money.of(7).times(0)).toBe(Money.ZERO);
    expect(codeOf(() => Money.of(2 ** 52).times(2))).toBe(ErrorCode.ValidationFailed);
    expect(codeOf(() => Money.of(10).times(0.5 + 0.25))).toBe(ErrorCode.ValidationFailed);
  });

  it('compares amounts', () => {
    fc.assert(
      fc.property(won, won, (a, b) => {
        expect(Money.of(a).covers(Money.of(b))).toBe(a >= b);
        expect(Money.of(a).exceeds(Money.of(b))).toBe(a > b);
        expect(Money.of(a).min(Money.of(b)).won).toBe(Math.min(a, b));
        expect(Money.of(a).equals(Money.of(b))).toBe(a === b);
      }),
    );
  });

  it('serialises as a plain number of won', () => {
    expect(JSON.stringify({ price: Money.of(12_345) })).toBe('{"price":12345}');
  });
});

describe('Quantity', () => {
  it('accepts 1 to 1000 units', () => {
    expect(Quantity.of(Quantity.MIN).value).toBe(1);
    expect(Quantity.of(Quantity.MAX).value).toBe(1000);
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), (q) => Quantity.of(q).value === q));
  });

  it.each([0, -1, 1001, 1.5, Number.NaN])('rejects %s as VALIDATION_FAILED', (value) => {
    expect(codeOf(() => Quantity.of(value))).toBe(ErrorCode.ValidationFailed);
  });
});

describe('ids', () => {
  it('accepts positive safe integers', () => {
    expect(requireId(1, 'userId')).toBe(1);
    expect(requireId(MAX, 'userId')).toBe(MAX);
  });

  it.each([0, -1, 1.5, Number.NaN, MAX + 1])('rejects %s as VALIDATION_FAILED naming the field', (value) => {
    expect(codeOf(() => requireId(value, 'productId'))).toBe(ErrorCode.ValidationFailed);
    expect(() => requireId(value, 'productId')).toThrow(/productId/);
  });
});

describe('DomainError', () => {
  it('carries a stable code, a message and details, and no HTTP status', () => {
    const error = new DomainError(ErrorCode.OutOfStock, 'none left', { productId: 7 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'DomainError', code: ErrorCode.OutOfStock, message: 'none left', details: { productId: 7 } });
    expect(Object.keys(error)).not.toContain('status');
    expect(isDomainError(error)).toBe(true);
    expect(isDomainError(new Error('plain'))).toBe(false);
    expect(invalid('bad', { path: 'x' })).toMatchObject({ code: ErrorCode.ValidationFailed, details: { path: 'x' } });
    expect(new DomainError(ErrorCode.NotFound, 'gone').details).toEqual({});
  });
});
