import { ErrorCode } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront } from '../../in-memory';
import { NO_PRODUCT_CACHE } from '../../ports';
import { allPages, aProduct, given } from '../../testing';
import { CreateProduct } from './create-product';
import { GetProduct } from './get-product';
import { ListProducts } from './list-products';
import { UpdateProduct } from './update-product';

function setUp() {
  const store = createInMemoryStorefront();
  return {
    store,
    given: given(store),
    create: new CreateProduct(store.transactions, NO_PRODUCT_CACHE),
    get: new GetProduct(store.catalogQueries),
    list: new ListProducts(store.catalogQueries),
    update: new UpdateProduct(store.transactions, NO_PRODUCT_CACHE),
  };
}

describe('CreateProduct', () => {
  it('stores the product with the next id and answers it', async () => {
    const { create, get } = setUp();
    const first = await create.execute(aProduct().withName(' Desk lamp ').withPrice(25_000).withStock(7).build());
    const second = await create.execute(aProduct().build());
    expect(first).toEqual({ id: 1, name: 'Desk lamp', price: 25_000, stock: 7 });
    expect(second.id).toBe(2);
    await expect(get.execute({ productId: 1 })).resolves.toEqual(first);
  });

  it.each([
    ['a blank name', aProduct().withName('  ')],
    ['a price of 0', aProduct().withPrice(0)],
    ['a negative stock', aProduct().withStock(-1)],
  ])('refuses %s as VALIDATION_FAILED and stores nothing', async (_what, product) => {
    const { store, create } = setUp();
    const before = store.state.snapshot();
    await expect(create.execute(product.build())).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(store.state.snapshot()).toEqual(before);
  });
});

describe('GetProduct', () => {
  it('fails with PRODUCT_NOT_FOUND for an unknown id', async () => {
    const { get } = setUp();
    await expect(get.execute({ productId: 99 })).rejects.toMatchObject({ code: ErrorCode.ProductNotFound, details: { productId: 99 } });
  });

  it('refuses an invalid id as VALIDATION_FAILED', async () => {
    const { get } = setUp();
    await expect(get.execute({ productId: 0 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});

describe('ListProducts', () => {
  it('pages through the catalogue by ascending id', async () => {
    const { given: g, list } = setUp();
    for (const name of ['A', 'B', 'C', 'D', 'E']) await g.product(aProduct().withName(name));
    const pages = await allPages((page) => list.execute({ page }), 2);
    expect(pages.map((p) => p.items.map((item) => item.name))).toEqual([['A', 'B'], ['C', 'D'], ['E']]);
    expect(pages.map((p) => p.nextAfter)).toEqual([2, 4, null]);
  });

  it('answers an empty catalogue as one empty last page', async () => {
    const { list } = setUp();
    await expect(list.execute({ page: { limit: 20, after: null } })).resolves.toEqual({ items: [], nextAfter: null });
  });
});

describe('UpdateProduct', () => {
  it('changes only the fields given', async () => {
    const { given: g, update, get } = setUp();
    const product = await g.product(aProduct().withName('Lamp').withPrice(1_000).withStock(5));
    await expect(update.execute({ productId: product.id, changes: { price: 1_500 } })).resolves.toEqual({ id: product.id, name: 'Lamp', price: 1_500, stock: 5 });
    await expect(update.execute({ productId: product.id, changes: { name: 'Lamp 2', stock: 0 } })).resolves.toEqual({ id: product.id, name: 'Lamp 2', price: 1_500, stock: 0 });
    await expect(get.execute({ productId: product.id })).resolves.toEqual({ id: product.id, name: 'Lamp 2', price: 1_500, stock: 0 });
  });

  it('fails with PRODUCT_NOT_FOUND for an unknown id', async () => {
    const { update } = setUp();
    await expect(update.execute({ productId: 5, changes: { price: 1 } })).rejects.toMatchObject({ code: ErrorCode.ProductNotFound });
  });

  it('refuses an invalid change as VALIDATION_FAILED and changes nothing', async () => {
    const { store, given: g, update } = setUp();
    const product = await g.product();
    const before = store.state.snapshot();
    await expect(update.execute({ productId: product.id, changes: { name: 'ok', stock: -1 } })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(update.execute({ productId: 0, changes: {} })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(store.state.snapshot()).toEqual(before);
  });
});
