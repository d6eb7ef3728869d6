import { describe, expect, it } from 'vitest';
import { aCoupon as aCouponMother, aProduct as aProductMother, NOW } from '../../../domain/test/mothers';
import { DEFAULT_IN_MEMORY_NOW } from '../in-memory';
import { aCoupon, aProduct } from './builders';

/* The domain's mothers cannot import the fixture family, so this holds them to its defaults. */
describe('one fixture family', () => {
  it("gives the domain's mothers the builders' defaults", () => {
    const { id: _id, ...product } = aProductMother().build().toPrimitives();
    expect(product).toEqual(aProduct().build());
    expect(aCouponMother().newFields()).toEqual(aCoupon().build());
    expect(NOW).toEqual(new Date(DEFAULT_IN_MEMORY_NOW));
  });
});
