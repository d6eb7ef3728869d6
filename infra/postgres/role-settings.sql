-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d).
-- Behind PgBouncer in transaction mode the pool's per-connection settings cannot be sent at
-- connect time, so the guards the service relies on are settings of its role.
ALTER ROLE storefront SET statement_timeout = '30s';
ALTER ROLE storefront SET idle_in_transaction_session_timeout = '60s';
