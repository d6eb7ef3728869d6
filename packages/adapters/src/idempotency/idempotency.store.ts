import { randomUUID } from 'node:crypto';
import type {
  HeldClaim,
  IdempotencyClaim,
  IdempotencyKeyRef,
  IdempotencyKeyRepository,
  IdempotencyStore,
  StoredResponse,
} from '@storefront/application';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

/**
 * Idempotency keys in PostgreSQL, shared by every HTTP instance. A claim is one statement that
 * inserts the key, or takes over a key still in progress whose lease has run out, or finds the
 * row of the request that holds or completed it. Leases run on the database's clock, the one
 * clock every instance shares.
 */
export class PgIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: Kysely<DB>,
    /** How long a claim holds before a retry may take the key over. */
    private readonly leaseMs: number,
  ) {}

  async claim(ref: IdempotencyKeyRef, fingerprint: string, now: Date): Promise<IdempotencyClaim> {
    // Twice at most: the row we lost to may be released (deleted) before we read it.
    for (let round = 0; round < 2; round++) {
      const token = randomUUID();
      const leaseUntil = sql<Date>`clock_timestamp() + ${this.leaseMs} * interval '1 millisecond'`;
      const won = await this.db
        .insertInto('idempotency_keys')
        .values({ scope: ref.scope, key: ref.key, fingerprint, status: 'IN_PROGRESS', created_at: now, claim_token: token, lease_until: leaseUntil })
        .onConflict((oc) =>
          oc
            .columns(['scope', 'key'])
            .doUpdateSet({ claim_token: token, lease_until: leaseUntil })
            // A takeover: the same request, still in progress, its claimant's lease over. If that
            // claimant is committing right now, this waits for its row lock and then sees COMPLETED.
            .where('idempotency_keys.status', '=', 'IN_PROGRESS')
            .where('idempotency_keys.fingerprint', '=', fingerprint)
            .where((eb) => eb.or([eb('idempotency_keys.lease_until', 'is', null), eb('idempotency_keys.lease_until', '<', sql<Date>`clock_timestamp()`)])),
        )
        .returning('claim_token')
        .executeTakeFirst();
      if (won?.claim_token === token) return { state: 'claimed', claim: { ...ref, token } };

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

  complete(claim: HeldClaim, response: StoredResponse): Promise<boolean> {
    return completeHeldKey(this.db, claim, response);
  }

  /** Frees a key this request still holds, after a failure a retry may fix; a completed key stays. */
  async release(claim: HeldClaim): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', claim.scope)
      .where('key', '=', claim.key)
      .where('claim_token', '=', claim.token)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
  }

  async purgeCreatedBefore(before: Date): Promise<number> {
    const { numDeletedRows } = await this.db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
    return Number(numDeletedRows);
  }
}

/** The key's completion inside a unit of work: it commits, or rolls back, with the effect. */
export class PgIdempotencyKeyRepository implements IdempotencyKeyRepository {
  constructor(private readonly trx: Kysely<DB>) {}

  complete(claim: HeldClaim, response: StoredResponse): Promise<boolean> {
    return completeHeldKey(this.trx, claim, response);
  }
}

async function completeHeldKey(db: Kysely<DB>, claim: HeldClaim, response: StoredResponse): Promise<boolean> {
  const { numUpdatedRows } = await db
    .updateTable('idempotency_keys')
    .set({
      status: 'COMPLETED',
      response_status: response.status,
      response_body: response.body,
      response_content_type: response.contentType,
      claim_token: null,
      lease_until: null,
    })
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('claim_token', '=', claim.token)
    .where('status', '=', 'IN_PROGRESS')
    .executeTakeFirst();
  return numUpdatedRows === 1n;
}
