import { describe, expect, it } from 'vitest';
import { subjectOf } from './invariant.checks';

describe('subjectOf', () => {
  it('takes the kind and id, or the day, a violation starts with', () => {
    expect(subjectOf('order 12: line shares add up to 10, not its paid amount 11')).toBe('order 12');
    expect(subjectOf('user coupon 7 pays 2 orders')).toBe('user coupon 7');
    expect(subjectOf('product 3: received 10 - sold 2 <> stock 9')).toBe('product 3');
    expect(subjectOf('2026-11-20, product 5: statistics say 1 sold')).toBe('2026-11-20');
    expect(subjectOf('Something else entirely')).toBe('database');
  });
});
