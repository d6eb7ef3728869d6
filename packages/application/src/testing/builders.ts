import type { DiscountType } from '@storefront/domain';
import type { CreateProductInput } from '../use-cases/catalog/create-product';
import type { CreateCouponInput } from '../use-cases/coupons/create-coupon';
import type { PlaceOrderInput } from '../use-cases/orders/place-order';

/*
 * The one fixture family: builders of use-case inputs with fixed defaults (never random, so a
 * failure reproduces). A test names only what it is about: `aProduct().withStock(3)`,
 * `aCoupon().rate(10)`. The application's tests use them directly, the adapters' and the apps'
 * seeding helpers take their defaults from them, and the domain's Object Mothers
 * (packages/domain/test/mothers.ts, which cannot import this package) build aggregates with the
 * same defaults: `aProduct()` is the same 10,000-won keyboard everywhere.
 */

/** Default coupon expiry: the end of 2026 in Seoul, a month after the in-memory clock's start (DEFAULT_IN_MEMORY_NOW). */
export const TEST_COUPON_EXPIRY = '2026-12-31T15:00:00.000Z';
export const DEFAULT_MAX_BALANCE = 10_000_000;

export class ProductBuilder {
  private fields: CreateProductInput = { name: 'Mechanical keyboard', price: 10_000, stock: 100 };

  withName(name: string): this {
    this.fields = { ...this.fields, name };
    return this;
  }

  withPrice(price: number): this {
    this.fields = { ...this.fields, price };
    return this;
  }

  withStock(stock: number): this {
    this.fields = { ...this.fields, stock };
    return this;
  }

  build(): CreateProductInput {
    return { ...this.fields };
  }
}

export const aProduct = (): ProductBuilder => new ProductBuilder();

export class CouponBuilder {
  private fields: CreateCouponInput = {
    name: '1,000 won off',
    discountType: 'FIXED',
    discountValue: 1_000,
    totalQuantity: 100,
    expiresAt: new Date(TEST_COUPON_EXPIRY),
  };

  withName(name: string): this {
    this.fields = { ...this.fields, name };
    return this;
  }

  fixed(won: number): this {
    return this.discount('FIXED', won);
  }

  rate(percent: number): this {
    return this.discount('RATE', percent);
  }

  withTotalQuantity(totalQuantity: number): this {
    this.fields = { ...this.fields, totalQuantity };
    return this;
  }

  expiringAt(expiresAt: Date | string): this {
    this.fields = { ...this.fields, expiresAt: new Date(expiresAt) };
    return this;
  }

  build(): CreateCouponInput {
    return { ...this.fields, expiresAt: new Date(this.fields.expiresAt.getTime()) };
  }

  private discount(discountType: DiscountType, discountValue: number): this {
    this.fields = { ...this.fields, discountType, discountValue };
    return this;
  }
}

export const aCoupon = (): CouponBuilder => new CouponBuilder();

export class OrderBuilder {
  private input: PlaceOrderInput = { userId: 1, items: [], userCouponId: null };

  by(userId: number): this {
    this.input = { ...this.input, userId };
    return this;
  }

  withItem(productId: number, quantity = 1): this {
    this.input = { ...this.input, items: [...this.input.items, { productId, quantity }] };
    return this;
  }

  withCoupon(userCouponId: number | null): this {
    this.input = { ...this.input, userCouponId };
    return this;
  }

  build(): PlaceOrderInput {
    return { ...this.input, items: this.input.items.map((item) => ({ ...item })) };
  }
}

/** An order request; with no `withItem` it has no lines, which PlaceOrder refuses. */
export const anOrder = (): OrderBuilder => new OrderBuilder();
