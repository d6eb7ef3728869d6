-- The SQL of packages/adapters/src/unit-of-work/kysely.unit-of-work.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- KyselyUnitOfWork.run [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id();

-- KyselyUnitOfWork.run [2/2]
commit;

-- KyselyUnitOfWork.run: beginning with its first statement [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id(); insert into "wallets" ("user_id", "balance", "updated_at") values (7001, 0, now()) on conflict ("user_id") do update set "user_id" = excluded.user_id returning "user_id", "balance", "updated_at", nextval('balance_history_id_seq') as "charge_id";

-- KyselyUnitOfWork.run: beginning with its first statement [2/2]
commit;

-- KyselyUnitOfWork.run: an order, beginning with the products read [1/2]
begin read write; set local lock_timeout = '3000ms'; set local statement_timeout = '30000ms'; select pg_current_xact_id(); select "id", "name", "price", (select coalesce(sum(s.remaining), 0)::bigint from product_stock_shards s where s.product_id = products.id) as "stock" from "products" where "id" in (8001, 8002) order by "id";

-- KyselyUnitOfWork.run: an order, beginning with the products read [2/2]
commit;
