/** A response as it was first sent, to be replayed byte for byte. */
export interface StoredResponse {
  status: number;
  /** The exact body bytes, as a string. */
  body: string;
  contentType: string;
}

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'in-progress' }
  | { state: 'reused-with-other-request' }
  | { state: 'completed'; response: StoredResponse };

export interface IdempotencyKeyRef {
  /** Who sent it: keys are scoped to the caller. */
  scope: string;
  key: string;
}

/**
 * Idempotency keys for retried writes, shared by every instance (so never kept in memory).
 * A key is claimed before the request runs, completed with its response after, and released
 * when the request failed in a way a retry may fix (a 5xx).
 */
export interface IdempotencyStore {
  claim(ref: IdempotencyKeyRef, fingerprint: string, now: Date): Promise<IdempotencyClaim>;
  complete(ref: IdempotencyKeyRef, response: StoredResponse): Promise<void>;
  release(ref: IdempotencyKeyRef): Promise<void>;
  /** Deletes keys created before `before`; answers how many. */
  purgeCreatedBefore(before: Date): Promise<number>;
}
