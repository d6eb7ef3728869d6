import type { IdempotencyClaim, IdempotencyKeyRef, IdempotencyStore, StoredResponse } from '../ports';
import type { InMemoryDatabase } from './database';
import { deepCopy, idempotencyKeyOf } from './state';

/** Idempotency keys in the in-memory database, with the semantics of the shared SQL table. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  constructor(private readonly database: InMemoryDatabase) {}

  claim(ref: IdempotencyKeyRef, fingerprint: string, now: Date): Promise<IdempotencyClaim> {
    return this.database.transaction((state): IdempotencyClaim => {
      const id = idempotencyKeyOf(ref.scope, ref.key);
      const existing = state.idempotencyKeys.get(id);
      if (!existing) {
        state.idempotencyKeys.set(id, { scope: ref.scope, key: ref.key, fingerprint, response: null, createdAt: new Date(now.getTime()) });
        return { state: 'claimed' };
      }
      if (existing.fingerprint !== fingerprint) return { state: 'reused-with-other-request' };
      if (existing.response === null) return { state: 'in-progress' };
      return { state: 'completed', response: deepCopy(existing.response) };
    });
  }

  complete(ref: IdempotencyKeyRef, response: StoredResponse): Promise<void> {
    return this.database.transaction((state) => {
      const id = idempotencyKeyOf(ref.scope, ref.key);
      const existing = state.idempotencyKeys.get(id);
      if (existing) state.idempotencyKeys.set(id, { ...existing, response: deepCopy(response) });
    });
  }

  /** Forgets a key whose request is still in progress; a completed response is kept. */
  release(ref: IdempotencyKeyRef): Promise<void> {
    return this.database.transaction((state) => {
      const id = idempotencyKeyOf(ref.scope, ref.key);
      if (state.idempotencyKeys.get(id)?.response === null) state.idempotencyKeys.delete(id);
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
