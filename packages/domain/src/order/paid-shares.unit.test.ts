import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refundShare, splitPaidAmount } from './paid-shares';

const MAX = Number.MAX_SAFE_INTEGER;

describe('splitPaidAmount', () => {
  it('gives each line its share rounded down, and the leftover won to the largest remainders', () => {
    // 100 over 1:1:1 → 33.33 each; the one won left goes to the lowest product id (all tie).
    expect(splitPaidAmount([{ productId: 3, amount: 10 }, { productId: 1, amount: 10 }, { productId: 2, amount: 10 }], 100)).toEqual([33, 34, 33]);
    // 1,000 over 1:2 → 333.33 and 666.67: the larger remainder (0.67) takes the won.
    expect(splitPaidAmount([{ productId: 1, amount: 100 }, { productId: 2, amount: 200 }], 1_000)).toEqual([333, 667]);
    expect(splitPaidAmount([{ productId: 1, amount: 60_000 }, { productId: 2, amount: 12_500 }], 72_500)).toEqual([60_000, 12_500]);
    expect(splitPaidAmount([{ productId: 1, amount: 5 }, { productId: 2, amount: 7 }], 0)).toEqual([0, 0]);
  });

  it('shares add up to the paid amount exactly, each within [0, line amount] (property)', () => {
    const lines = fc.uniqueArray(fc.record({ productId: fc.integer({ min: 1, max: 10_000 }), amount: fc.integer({ min: 1, max: Math.floor(MAX / 100) }) }), {
      minLength: 1,
      maxLength: 50,
      selector: (l) => l.productId,
    });
    fc.assert(
      fc.property(lines, fc.double({ min: 0, max: 1, noNaN: true }), (ls, fraction) => {
        const total = ls.reduce((sum, l) => sum + BigInt(l.amount), 0n);
        // Any paid amount from 0 to the total: what a discount leaves.
        const paid = Number((total * BigInt(Math.floor(fraction * 1_000_000))) / 1_000_000n);
        const shares = splitPaidAmount(ls, paid);
        const sum = shares.reduce((s, share) => s + BigInt(share), 0n);
        return sum === BigInt(paid) && shares.every((share, i) => Number.isSafeInteger(share) && share >= 0 && share <= ls[i]!.amount);
      }),
    );
  });
});

describe('refundShare: floor(P × (r + q) / Q) − floor(P × r / Q)', () => {
  it('returns the exact share of the units, rounding so the last unit takes what is left', () => {
    // A line of 3 units paid 100 won: 33, 33, 34.
    expect([refundShare(100, 3, 0, 1), refundShare(100, 3, 1, 1), refundShare(100, 3, 2, 1)]).toEqual([33, 33, 34]);
    expect(refundShare(100, 3, 0, 3)).toBe(100);
    expect(refundShare(MAX, 1000, 0, 1000)).toBe(MAX);
  });

  /** A line and a random partition of some of its units into refund steps. */
  const lineAndSteps = fc
    .record({ paid: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: MAX })), quantity: fc.integer({ min: 1, max: 1000 }) })
    .chain(({ paid, quantity }) =>
      fc.record({
        paid: fc.constant(paid),
        quantity: fc.constant(quantity),
        steps: fc.array(fc.integer({ min: 1, max: quantity }), { minLength: 1, maxLength: 60 }),
        complete: fc.boolean(),
      }),
    );

  it('any sequence of partial refunds adds up to at most the paid share, exactly when complete; no step is negative (property)', () => {
    fc.assert(
      fc.property(lineAndSteps, ({ paid, quantity, steps, complete }) => {
        let refunded = 0;
        let returned = 0n;
        for (const step of steps) {
          const q = Math.min(step, quantity - refunded);
          if (q === 0) break;
          const amount = refundShare(paid, quantity, refunded, q);
          if (amount < 0 || !Number.isSafeInteger(amount)) return false;
          returned += BigInt(amount);
          refunded += q;
        }
        if (complete && refunded < quantity) {
          returned += BigInt(refundShare(paid, quantity, refunded, quantity - refunded));
          refunded = quantity;
        }
        return returned <= BigInt(paid) && (refunded < quantity || returned === BigInt(paid));
      }),
    );
  });

  it('depends only on how many units were refunded before, not on how they were split (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 2, max: 1000 }), fc.nat(), (paid, quantity, seed) => {
        const r = seed % quantity;
        // Refunding r units at once or one by one leaves the same amount for the rest.
        let oneByOne = 0;
        for (let i = 0; i < r; i += 1) oneByOne += refundShare(paid, quantity, i, 1);
        return oneByOne === refundShare(paid, quantity, 0, r);
      }),
    );
  });
});
