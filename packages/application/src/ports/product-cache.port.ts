/**
 * This process's cache of product reads, as the writes that change products see it. A write
 * brackets its transaction with the two steps, so that a client that writes and then reads sees
 * its write; stock is decided in the order transaction, never from a cache.
 */
export interface ProductCache {
  /** Before the write's transaction: a read racing the write must not cache what it saw. */
  beginWrite(): void;
  /** After the commit: the next read of these products goes to the database. */
  evict(productIds: Iterable<number>): void;
}

/** No cache of product reads (PRODUCT_CACHE_TTL_MS=0, jobs, tests): nothing to evict. */
export const NO_PRODUCT_CACHE: ProductCache = {
  beginWrite() {},
  evict() {},
};
