import type { CatalogQueries, ProductView } from '@storefront/application';
import { describe, expect, it } from 'vitest';
import { CachedCatalogQueries } from '../src/caching/cached-catalog.queries';

/** A catalogue whose reads a test can count and hold open. */
class FakeCatalog implements CatalogQueries {
  reads = 0;
  product: ProductView = { id: 1, name: 'A', price: 100, stock: 5 };
  gate: Promise<void> | null = null;

  async productById(productId: number): Promise<ProductView | null> {
    this.reads++;
    const seen = { ...this.product };
    if (this.gate) await this.gate;
    return productId === 1 ? seen : null;
  }

  products(): never {
    throw new Error('not used');
  }
}

describe('CachedCatalogQueries', () => {
  it('serves repeated reads from the cache until the TTL passes', async () => {
    let now = 0;
    const inner = new FakeCatalog();
    const cache = new CachedCatalogQueries(inner, 1000, 100, () => now);
    await cache.productById(1);
    await cache.productById(1);
    expect(inner.reads).toBe(1);
    now = 1001;
    await cache.productById(1);
    expect(inner.reads).toBe(2);
  });

  it('a local write evicts, so the writer reads its own write', async () => {
    const inner = new FakeCatalog();
    const cache = new CachedCatalogQueries(inner, 60_000);
    expect((await cache.productById(1))?.stock).toBe(5);
    cache.beginWrite();
    inner.product = { ...inner.product, stock: 4 };
    cache.evict([1]);
    expect((await cache.productById(1))?.stock).toBe(4);
  });

  it('a read that raced a write does not refill the cache with the old row', async () => {
    const inner = new FakeCatalog();
    const cache = new CachedCatalogQueries(inner, 60_000);
    let release: () => void = () => {};
    inner.gate = new Promise((resolve) => (release = resolve));
    const racing = cache.productById(1); // sees stock 5
    cache.beginWrite();
    inner.product = { ...inner.product, stock: 0 };
    cache.evict([1]);
    release();
    expect((await racing)?.stock).toBe(5);
    inner.gate = null;
    expect((await cache.productById(1))?.stock).toBe(0);
  });
});
