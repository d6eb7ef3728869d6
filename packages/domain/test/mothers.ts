import {
  DomainError,
  Coupon,
  Discount,
  Money,
  Product,
  Quantity,
  UserCoupon,
  Wallet,
  type DiscountType,
  type PricedProduct,
} from '../src';

/*
 * Object Mothers for the domain's own tests. Every default is fixed, never random, so a failing
 * test reproduces; a test states only what it is about (`aProduct().withStock(0)`). The domain
 * imports no other package, so these build aggregates here — with the defaults of the fixture
 * family in `@storefront/application/testing` (builders.ts): keep the two the same.
 */

export const NOW = new Date('2026-11-24T09:00:00.000Z');
export const LATER = new Date('2026-12-31T15:00:00.000Z');
export const MAX_BALANCE = Money.of(10_000_000);

export const minutesAfter = (instant: Date, minutes: number): Date => new Date(instant.getTime() + minutes * 60_000);

export function aWallet(fields: { userId?: number; balance?: number } = {}): Wallet {
  return Wallet.fromPrimitives({ userId: fields.userId ?? 1, balance: fields.balance ?? 0, updatedAt: NOW });
}

class ProductMother {
  private fields = { id: 1, name: 'Mechanical keyboard', price: 10_000, stock: 100 };

  withId(id: number): this {
    this.fields.id = id;
    return this;
  }

  withName(name: string): this {
    this.fields.name = name;
    return this;
  }

  withPrice(price: number): this {
    this.fields.price = price;
    return this;
  }

  withStock(stock: number): this {
    this.fields.stock = stock;
    return this;
  }

  build(): Product {
    return Product.fromPrimitives({ ...this.fields });
  }

  /** The product as an order line prices it. */
  priced(): PricedProduct {
    return { id: this.fields.id, name: this.fields.name, price: Money.of(this.fields.price) };
  }
}

export const aProduct = (): ProductMother => new ProductMother();

class CouponMother {
  private fields = {
    id: 1,
    name: '1,000 won off',
    discountType: 'FIXED' as DiscountType,
    discountValue: 1_000,
    totalQuantity: 100,
    expiresAt: LATER,
  };

  withId(id: number): this {
    this.fields.id = id;
    return this;
  }

  fixed(won: number): this {
    this.fields.discountType = 'FIXED';
    this.fields.discountValue = won;
    return this;
  }

  rate(percent: number): this {
    this.fields.discountType = 'RATE';
    this.fields.discountValue = percent;
    return this;
  }

  withTotalQuantity(totalQuantity: number): this {
    this.fields.totalQuantity = totalQuantity;
    return this;
  }

  expiringAt(expiresAt: Date): this {
    this.fields.expiresAt = expiresAt;
    return this;
  }

  /** The fields of a coupon about to be created (no id). */
  newFields(): Omit<ReturnType<Coupon['toPrimitives']>, 'id'> {
    const { id: _id, ...fields } = this.fields;
    return { ...fields };
  }

  build(): Coupon {
    return Coupon.fromPrimitives({ ...this.fields });
  }
}

export const aCoupon = (): CouponMother => new CouponMother();

class UserCouponMother {
  private fields = {
    id: 1,
    couponId: 1,
    userId: 1,
    discount: Discount.of('FIXED', 1_000),
    issuedAt: NOW,
    expiresAt: LATER,
    usedAt: null as Date | null,
  };

  withId(id: number): this {
    this.fields.id = id;
    return this;
  }

  ownedBy(userId: number): this {
    this.fields.userId = userId;
    return this;
  }

  withDiscount(type: DiscountType, value: number): this {
    this.fields.discount = Discount.of(type, value);
    return this;
  }

  expiringAt(expiresAt: Date): this {
    this.fields.expiresAt = expiresAt;
    return this;
  }

  usedAt(usedAt: Date): this {
    this.fields.usedAt = usedAt;
    return this;
  }

  build(): UserCoupon {
    const { discount, ...rest } = this.fields;
    return UserCoupon.fromPrimitives({ ...rest, discountType: discount.type, discountValue: discount.value });
  }
}

export const aUserCoupon = (): UserCouponMother => new UserCouponMother();

/** An order line: a product with a fixed default price and a quantity. */
export function aLine(product: PricedProduct, quantity = 1): { product: PricedProduct; quantity: Quantity } {
  return { product, quantity: Quantity.of(quantity) };
}

/** The domain error `fn` throws; fails the test when it throws nothing or something else. */
export function failureOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a DomainError, but nothing was thrown');
}
