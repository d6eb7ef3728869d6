import type { HeldClaim, IdempotencyClaim, IdempotencyKeyRef, IdempotencyStore, StoredResponse } from '../ports';
import type { InMemoryDatabase } from './database';
import { deepCopy, idempotencyKeyOf, nextUuid, type InMemoryState } from './state';

/** How long a claim holds in a default in-memory storefront: as the service's default lease. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 10_000;

/** Idempotency keys in the in-memory database, with the semantics of the shared SQL table. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly database: InMemoryDatabase,
    /** How long a claim holds before a retry may take the key over. */
    private readonly leaseMs: number,
  ) {}

  claim(ref: IdempotencyKeyRef, fingerprint: string, now: Date): Promise<IdempotencyClaim> {
    return this.database.transaction((state): IdempotencyClaim => {
      const id = idempotencyKeyOf(ref.scope, ref.key);
      const existing = state.idempotencyKeys.get(id);
      const token = nextUuid(state);
      const leaseUntil = new Date(now.getTime() + this.leaseMs);
      if (!existing) {
        state.idempotencyKeys.set(id, { scope: ref.scope, key: ref.key, fingerprint, response: null, createdAt: new Date(now.getTime()), claimToken: token, leaseUntil });
        return { state: 'claimed', claim: { ...ref, token } };
      }
      if (existing.fingerprint !== fingerprint) return { state: 'reused-with-other-request' };
      if (existing.response !== null) return { state: 'completed', response: deepCopy(existing.response) };
      if (existing.leaseUntil !== null && existing.leaseUntil > now) return { state: 'in-progress' };
      // The claimant's lease ran out (it died, or is far too slow): this retry takes the key over.
      state.idempotencyKeys.set(id, { ...existing, claimToken: token, leaseUntil });
      return { state: 'claimed', claim: { ...ref, token } };
    });
  }

  complete(claim: HeldClaim, response: StoredResponse): Promise<boolean> {
    return this.database.transaction((state) => completeHeldKey(state, claim, response));
  }

  /** Forgets a key this request still holds; a completed response is kept. */
  release(claim: HeldClaim): Promise<void> {
    return this.database.transaction((state) => {
      const id = idempotencyKeyOf(claim.scope, claim.key);
      const existing = state.idempotencyKeys.get(id);
      if (existing?.response === null && existing.claimToken === claim.token) state.idempotencyKeys.delete(id);
    });
  }

  purgeCreatedBefore(before: Date): Promise<number> {
    return this.database.transaction((state) => {
      let purged = 0;
      for (const [id, key] of state.idempotencyKeys) {
        if (key.createdAt < before) {
          state.idempotencyKeys.delete(id);
          purged += 1;
        }
      }
      return purged;
    });
  }
}

/** `UPDATE … SET response WHERE scope, key AND claim_token = mine AND in progress`, on a working copy. */
export function completeHeldKey(state: InMemoryState, claim: HeldClaim, response: StoredResponse): boolean {
  const id = idempotencyKeyOf(claim.scope, claim.key);
  const existing = state.idempotencyKeys.get(id);
  if (!existing || existing.response !== null || existing.claimToken !== claim.token) return false;
  state.idempotencyKeys.set(id, { ...existing, response: deepCopy(response), claimToken: null, leaseUntil: null });
  return true;
}
