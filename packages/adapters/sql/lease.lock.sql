-- The SQL of packages/adapters/src/jobs/lease.lock.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- runUnderLease: another instance holds it
-- $1 job · $2 = <a fresh uuid> · $3 leaseMs
INSERT INTO job_leases (job, holder, lease_until)
VALUES ($1, $2, now() + $3 * interval '1 millisecond')
ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
 WHERE job_leases.lease_until < now()
RETURNING holder;
