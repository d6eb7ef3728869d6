import { describe, expect, it } from 'vitest';
import { aProduct, given } from '../testing';
import { createInMemoryStorefront } from './storefront';

async function withProducts(count: number) {
  const store = createInMemoryStorefront();
  const g = given(store);
  for (let i = 0; i < count; i += 1) await g.product(aProduct().withName(`P${i + 1}`));
  return store;
}

describe('keyset pages of the in-memory queries', () => {
  it('answers nextAfter = the last key only while more items follow', async () => {
    const store = await withProducts(3);
    await expect(store.catalogQueries.products({ limit: 2, after: null })).resolves.toMatchObject({ nextAfter: 2 });
    await expect(store.catalogQueries.products({ limit: 3, after: null })).resolves.toMatchObject({ nextAfter: null });
    await expect(store.catalogQueries.products({ limit: 100, after: null })).resolves.toMatchObject({ nextAfter: null });
  });

  it('starts after the key given, whether or not an item still has that key', async () => {
    const store = await withProducts(5);
    expect((await store.catalogQueries.products({ limit: 10, after: 3 })).items.map((p) => p.id)).toEqual([4, 5]);
    expect((await store.catalogQueries.products({ limit: 10, after: 99 })).items).toEqual([]);
    expect((await store.catalogQueries.products({ limit: 10, after: 0 })).items).toHaveLength(5);
  });

  it('hands out copies: changing an answer changes nothing stored', async () => {
    const store = await withProducts(1);
    const product = await store.catalogQueries.productById(1);
    product!.stock = 0;
    await expect(store.catalogQueries.productById(1)).resolves.toMatchObject({ stock: 100 });
  });

  it('answers null for what does not exist', async () => {
    const store = createInMemoryStorefront();
    await expect(store.catalogQueries.productById(1)).resolves.toBeNull();
    await expect(store.couponQueries.couponById(1)).resolves.toBeNull();
    await expect(store.orderQueries.orderById(1)).resolves.toBeNull();
    await expect(store.walletQueries.balanceOf(1)).resolves.toBeNull();
    await expect(store.salesQueries.lastCompletedDay()).resolves.toBeNull();
    await expect(store.salesQueries.topProducts('2026-01-01', '2026-12-31', 5)).resolves.toEqual([]);
  });
});
