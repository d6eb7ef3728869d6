import type { IdempotencyClaim, IdempotencyKeyRef, IdempotencyStore, StoredResponse } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/**
 * Idempotency keys in PostgreSQL, shared by every HTTP instance. A claim is one insert that
 * either wins the (scope, key) primary key or finds the row of the request that did.
 */
export class PgIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Kysely<DB>) {}

  async claim(ref: IdempotencyKeyRef, fingerprint: string, now: Date): Promise<IdempotencyClaim> {
    // Twice at most: the row we lost to may be released (deleted) before we read it.
    for (let round = 0; round < 2; round++) {
      const inserted = await this.db
        .insertInto('idempotency_keys')
        .values({ scope: ref.scope, key: ref.key, fingerprint, status: 'IN_PROGRESS', created_at: now })
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { state: 'claimed' };

      const row = await this.db
        .selectFrom('idempotency_keys')
        .select(['fingerprint', 'status', 'response_status', 'response_body', 'response_content_type'])
        .where('scope', '=', ref.scope)
        .where('key', '=', ref.key)
        .executeTakeFirst();
      if (!row) continue;
      if (row.fingerprint !== fingerprint) return { state: 'reused-with-other-request' };
      if (row.status === 'COMPLETED' && row.response_status !== null && row.response_body !== null) {
        return {
          state: 'completed',
          response: { status: row.response_status, body: row.response_body, contentType: row.response_content_type ?? 'application/json' },
        };
      }
      return { state: 'in-progress' };
    }
    return { state: 'in-progress' };
  }

  async complete(ref: IdempotencyKeyRef, response: StoredResponse): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ status: 'COMPLETED', response_status: response.status, response_body: response.body, response_content_type: response.contentType })
      .where('scope', '=', ref.scope)
      .where('key', '=', ref.key)
      .execute();
  }

  /** Frees a key whose request failed in a way a retry may fix; a completed key stays. */
  async release(ref: IdempotencyKeyRef): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', ref.scope)
      .where('key', '=', ref.key)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
  }

  async purgeCreatedBefore(before: Date): Promise<number> {
    const { numDeletedRows } = await this.db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
    return Number(numDeletedRows);
  }
}
