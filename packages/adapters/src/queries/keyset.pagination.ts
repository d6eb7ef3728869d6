import type { Page, PageRequest } from '@storefront/application';

/**
 * Keyset pagination: callers fetch `limit + 1` rows past `after`; the extra row only tells that
 * another page exists, and the last row shown gives the key to continue from.
 */
export function toPage<Row, Item>(rows: Row[], page: PageRequest, key: (row: Row) => number, map: (row: Row) => Item): Page<Item> {
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    items: shown.map(map),
    nextAfter: rows.length > page.limit && last !== undefined ? key(last) : null,
  };
}
