import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/*
 * A cancel's or a refund's restock is now sent with its COMMIT, like an order's take, in one
 * message whose answers nobody reads: `put_back_product_stock` answering false for a product
 * without shards would go unseen there, and the units would be lost. It now raises instead
 * (foreign_key_violation: the order line's product is not there to take them), failing the
 * commit. It still answers true, so an instance of the previous release, which checks that
 * answer, keeps working while a rolling deploy replaces it.
 */
const SHARDS = 32;

export const putBackProductStockRefusesUnknown: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql
      .raw(
        `create or replace function put_back_product_stock(product bigint, units bigint) returns boolean language plpgsql as $$
         declare
           start integer := floor(random() * ${SHARDS});
         begin
           update product_stock_shards s set remaining = s.remaining + units
           where s.product_id = product and s.shard_no = (
             select f.shard_no from product_stock_shards f
             where f.product_id = product
             order by f.shard_no >= start desc, f.shard_no
             limit 1 for update skip locked);
           if found then return true; end if;

           update product_stock_shards set remaining = remaining + units where product_id = product and shard_no = start;
           if found then return true; end if;
           raise exception 'product % has no stock to put % units back to', product, units
             using errcode = 'foreign_key_violation', table = 'product_stock_shards';
         end
         $$`,
      )
      .execute(db);
  },
};
