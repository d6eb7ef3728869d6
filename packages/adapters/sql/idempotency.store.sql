-- The SQL of packages/adapters/src/idempotency/idempotency.store.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgIdempotencyStore.claim: held by another request [1/2]
-- $1 scope · $2 key · $3 fingerprint · $4 = 'IN_PROGRESS' · $5 now · $6 = <a fresh uuid> · $7 leaseMs · $8 = <a fresh uuid> · $9 leaseMs · $10 = 'IN_PROGRESS' · $11 fingerprint
insert into "idempotency_keys" ("scope", "key", "fingerprint", "status", "created_at", "claim_token", "lease_until") values ($1, $2, $3, $4, $5, $6, clock_timestamp() + $7 * interval '1 millisecond') on conflict ("scope", "key") do update set "claim_token" = $8, "lease_until" = clock_timestamp() + $9 * interval '1 millisecond' where "idempotency_keys"."status" = $10 and "idempotency_keys"."fingerprint" = $11 and ("idempotency_keys"."lease_until" is null or "idempotency_keys"."lease_until" < clock_timestamp()) returning "claim_token";

-- PgIdempotencyStore.claim: held by another request [2/2]
-- $1 scope · $2 key
select "fingerprint", "status", "response_status", "response_body", "response_content_type" from "idempotency_keys" where "scope" = $1 and "key" = $2;

-- PgIdempotencyKeyRepository.complete
-- $1 = 'COMPLETED' · $2 status · $3 body · $4 contentType · $5 = NULL · $6 = NULL · $7 scope · $8 key · $9 token · $10 = 'IN_PROGRESS'
update "idempotency_keys" set "status" = $1, "response_status" = $2, "response_body" = $3, "response_content_type" = $4, "claim_token" = $5, "lease_until" = $6 where "scope" = $7 and "key" = $8 and "claim_token" = $9 and "status" = $10;

-- PgIdempotencyStore.release
-- $1 scope · $2 key · $3 token · $4 = 'IN_PROGRESS'
delete from "idempotency_keys" where "scope" = $1 and "key" = $2 and "claim_token" = $3 and "status" = $4;

-- PgIdempotencyStore.purgeCreatedBefore
-- $1 before
delete from "idempotency_keys" where "created_at" < $1;
