import type { CatalogQueries, Page, PageRequest, ProductCache, ProductView } from '@storefront/application';

interface Entry {
  view: ProductView | null;
  expiresAt: number;
}

/**
 * A short-lived read-through cache of single products, in front of the catalogue queries: the
 * hottest public read (`GET /products/{id}`) then costs no database round trip most of the time.
 *
 * Freshness: writes made through this instance (an admin's edit, an order taking stock) evict
 * the products they touched as soon as they commit (the use cases' `ProductCache` steps), so a client that writes and then reads sees
 * its write. A read that started before such a write cannot refill the cache with the old row
 * (the generation check). Writes made by other instances show within `ttlMs`, the same kind of
 * lag a read replica has, which the design already allows for (docs/architecture.md#scale-out) catalogue reads. Stock is decided
 * in the order transaction, never from this cache.
 */
export class CachedCatalogQueries implements CatalogQueries, ProductCache {
  private readonly entries = new Map<number, Entry>();
  private generation = 0;

  constructor(
    private readonly inner: CatalogQueries,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async productById(productId: number): Promise<ProductView | null> {
    const now = this.now();
    const cached = this.entries.get(productId);
    if (cached !== undefined && cached.expiresAt > now) return cached.view;
    const generation = this.generation;
    const view = await this.inner.productById(productId);
    if (generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(productId, { view, expiresAt: now + this.ttlMs });
    }
    return view;
  }

  products(page: PageRequest): Promise<Page<ProductView>> {
    return this.inner.products(page);
  }

  /** After a write committed: the next read of these products goes to the database. */
  evict(productIds: Iterable<number>): void {
    this.generation++;
    for (const id of productIds) this.entries.delete(id);
  }

  /** Before a write starts too: a read racing it must not cache what it saw. */
  beginWrite(): void {
    this.generation++;
  }
}
