/** Keyset pagination: `after` is the sort key of the last item of the previous page. */
export interface PageRequest {
  limit: number;
  after: number | null;
}

export interface Page<T> {
  items: T[];
  /** The key to pass as `after` for the next page, or null on the last page. */
  nextAfter: number | null;
}
