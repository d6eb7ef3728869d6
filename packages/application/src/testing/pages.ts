import type { Page, PageRequest } from '../ports';

/**
 * Follows `nextAfter` from the first page to the last, answering every page; stops with an error
 * if the pages never end (a paging bug would otherwise hang the test).
 */
export async function allPages<T>(fetch: (page: PageRequest) => Promise<Page<T>>, limit: number, maxPages = 1_000): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let after: number | null = null;
  do {
    if (pages.length >= maxPages) throw new Error(`More than ${maxPages} pages: nextAfter never became null`);
    const page: Page<T> = await fetch({ limit, after });
    pages.push(page);
    after = page.nextAfter;
  } while (after !== null);
  return pages;
}
