import { describe, expect, it } from 'vitest';
import { aProduct, failureOf } from '../../test/mothers';
import { ErrorCode } from '../shared/domain-error';
import { Quantity } from '../shared/quantity';
import { outOfStock, Product, productNotFound } from './product';

describe('Product', () => {
  describe('validateNew', () => {
    it('accepts a named, priced product with stock, trimming the name', () => {
      expect(Product.validateNew({ name: '  Desk lamp ', price: 25_000, stock: 0 })).toEqual({ name: 'Desk lamp', price: 25_000, stock: 0 });
      expect(Product.validateNew({ name: 'x'.repeat(200), price: 1, stock: 1 }).name).toHaveLength(200);
    });

    it.each([
      ['a blank name', { name: '   ', price: 1_000, stock: 1 }],
      ['a name over 200 characters', { name: 'x'.repeat(201), price: 1_000, stock: 1 }],
      ['a price of 0', { name: 'Lamp', price: 0, stock: 1 }],
      ['a fractional price', { name: 'Lamp', price: 10.5, stock: 1 }],
      ['a negative stock', { name: 'Lamp', price: 1_000, stock: -1 }],
      ['a fractional stock', { name: 'Lamp', price: 1_000, stock: 1.5 }],
    ])('refuses %s as VALIDATION_FAILED', (_what, fields) => {
      expect(failureOf(() => Product.validateNew(fields)).code).toBe(ErrorCode.ValidationFailed);
    });
  });

  it('rebuilds from primitives and refuses a negative stock', () => {
    expect(aProduct().withId(4).withStock(3).build().toPrimitives()).toEqual({ id: 4, name: 'Mechanical keyboard', price: 10_000, stock: 3 });
    expect(failureOf(() => Product.fromPrimitives({ id: 1, name: 'x', price: 1, stock: -1 })).code).toBe(ErrorCode.ValidationFailed);
  });

  describe('decreaseStock', () => {
    it('takes units while enough are in stock, down to zero', () => {
      const product = aProduct().withStock(3).build();
      expect(product.hasInStock(Quantity.of(3))).toBe(true);
      product.decreaseStock(Quantity.of(2));
      product.decreaseStock(Quantity.of(1));
      expect(product.stock).toBe(0);
      expect(product.hasInStock(Quantity.of(1))).toBe(false);
    });

    it('fails with OUT_OF_STOCK naming the product, changing nothing', () => {
      const product = aProduct().withId(9).withStock(2).build();
      const error = failureOf(() => product.decreaseStock(Quantity.of(3)));
      expect(error.code).toBe(ErrorCode.OutOfStock);
      expect(error.details).toEqual({ productId: 9, available: 2 });
      expect(product.stock).toBe(2);
    });
  });

  describe('revise', () => {
    it('changes any of name, price and stock', () => {
      const product = aProduct().build();
      product.revise({ name: ' Quiet keyboard ' });
      expect(product.toPrimitives()).toEqual({ id: 1, name: 'Quiet keyboard', price: 10_000, stock: 100 });
      product.revise({ price: 12_000, stock: 0 });
      expect(product.toPrimitives()).toEqual({ id: 1, name: 'Quiet keyboard', price: 12_000, stock: 0 });
      product.revise({});
      expect(product.price.won).toBe(12_000);
    });

    it.each([{ name: '' }, { price: 0 }, { stock: -1 }, { name: 'Fine', price: 1, stock: -5 }, { name: 'Fine', price: -1 }])(
      'refuses %o as VALIDATION_FAILED and applies none of it',
      (changes) => {
        const product = aProduct().build();
        expect(failureOf(() => product.revise(changes)).code).toBe(ErrorCode.ValidationFailed);
        expect(product.toPrimitives()).toEqual(aProduct().build().toPrimitives());
      },
    );
  });

  it('builds its not-found and out-of-stock errors with the product id in the details', () => {
    expect(productNotFound(5)).toMatchObject({ code: ErrorCode.ProductNotFound, details: { productId: 5 } });
    expect(outOfStock(5, 3)).toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: 5 } });
    expect(outOfStock(5, 3).details).not.toHaveProperty('available');
  });
});
