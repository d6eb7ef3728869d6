import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * Idempotency keys held by a claim with a lease: the request that claimed a key holds it with a
 * token until `lease_until`; after that a retry may take the key over (the claimant died). The
 * response is stored by `UPDATE … WHERE claim_token = mine` inside the transaction of the
 * request's effect. Keys left IN_PROGRESS by the previous release have no lease: a retry may take
 * them over at once.
 */
const statements = [
  `alter table idempotency_keys add column claim_token uuid null`,
  `alter table idempotency_keys add column lease_until timestamptz null`,
];

export const idempotencyClaims: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
