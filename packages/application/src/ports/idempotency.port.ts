/** A response as it was first sent, to be replayed byte for byte. */
export interface StoredResponse {
  status: number;
  /** The exact body bytes, as a string. */
  body: string;
  contentType: string;
}

export interface IdempotencyKeyRef {
  /** Who sent it: keys are scoped to the caller. */
  scope: string;
  key: string;
}

/**
 * A key this request holds. The token proves it: whoever completes or releases the key must
 * still hold this token, so a request whose claim was taken over (its lease ran out) can no
 * longer store anything, and its transaction rolls back.
 */
export interface HeldClaim extends IdempotencyKeyRef {
  token: string;
}

export type IdempotencyClaim =
  | { state: 'claimed'; claim: HeldClaim }
  | { state: 'in-progress' }
  | { state: 'reused-with-other-request' }
  | { state: 'completed'; response: StoredResponse };

/**
 * Idempotency keys for retried writes, shared by every instance (so never kept in memory).
 *
 * A request claims its key for a short lease before it runs. A request with an effect completes
 * the key inside the transaction of that effect (`IdempotencyKeyRepository`), so the stored
 * response commits with it or not at all. One without an effect (a refusal) completes it here;
 * one that failed in a way a retry may fix (a 5xx) releases it. A claimant that died leaves its
 * key in progress only until the lease ends: the next retry takes it over and runs afresh.
 */
export interface IdempotencyStore {
  claim(ref: IdempotencyKeyRef, fingerprint: string, now: Date): Promise<IdempotencyClaim>;
  /** Stores a response that came with no effect; false when the claim is no longer held. */
  complete(claim: HeldClaim, response: StoredResponse): Promise<boolean>;
  release(claim: HeldClaim): Promise<void>;
  /** Deletes keys created before `before`; answers how many. */
  purgeCreatedBefore(before: Date): Promise<number>;
}

/** The idempotency key of a request, seen from inside the unit of work that makes its effect. */
export interface IdempotencyKeyRepository {
  /**
   * Stores the response of a claim this request still holds, in the current transaction;
   * false (nothing written) when another request took the key over.
   */
  complete(claim: HeldClaim, response: StoredResponse): Promise<boolean>;
}
