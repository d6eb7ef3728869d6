import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { initialSchema } from './0001-initial-schema';
import { orderLifecycle } from './0002-order-lifecycle';
import { orderEvents } from './0003-order-events';
import { idempotencyClaims } from './0004-idempotency-claims';
import { orderLineProductCheckAtCommit } from './0005-order-line-product-check-at-commit';
import { invariantCheckpoint } from './0006-invariant-checkpoint';
import { productStockShards } from './0007-product-stock-shards';
import { putBackProductStockRefusesUnknown } from './0008-put-back-product-stock-refuses-unknown';

/** Every migration, in code: the key orders them (Kysely sorts by name), the value runs them. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
  '0002-order-lifecycle': orderLifecycle,
  '0003-order-events': orderEvents,
  '0004-idempotency-claims': idempotencyClaims,
  '0005-order-line-product-check-at-commit': orderLineProductCheckAtCommit,
  '0006-invariant-checkpoint': invariantCheckpoint,
  '0007-product-stock-shards': productStockShards,
  '0008-put-back-product-stock-refuses-unknown': putBackProductStockRefusesUnknown,
};

/** Our advisory key (two int4 keys: 'SF', 1), held by the migrating transaction. */
const MIGRATION_LOCK = { namespace: 0x5346, key: 1 } as const;

export class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(migrationName ? `Migration ${migrationName} failed: ${reason}` : `Migrating failed: ${reason}`, options);
    this.name = 'MigrationFailedError';
  }
}

/**
 * Brings the database up to the latest migration. Safe to repeat (applied migrations are
 * skipped) and safe from several processes at once: one transaction takes a transaction-scoped
 * advisory lock, reads what is applied, applies the rest and records them, so a second migrator
 * waits and then finds nothing to do. Answers the names of the migrations it applied.
 *
 * Kysely's Migrator is not used: it takes a session-level advisory lock, which behind PgBouncer in
 * transaction mode may be taken on one server connection and released on another (and leaks on a
 * failure). Applied migrations are recorded in the table Kysely used, `kysely_migration`, so a
 * database migrated by earlier versions carries on.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against any schema, as Kysely's are
  const untyped = db as unknown as Kysely<any>;
  return untyped.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK.namespace}, ${MIGRATION_LOCK.key})`.execute(trx);
    await sql`create table if not exists kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(trx);
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(trx);
    const applied = new Set(rows.map((row) => row.name));
    const unknown = [...applied].filter((name) => !(name in migrations));
    if (unknown.length > 0) {
      throw new MigrationFailedError(undefined, {
        cause: new Error(`the database has migrations this code does not know (${unknown.join(', ')}): it was migrated by a newer version`),
      });
    }
    const done: string[] = [];
    for (const name of Object.keys(migrations).sort()) {
      if (applied.has(name)) continue;
      try {
        await migrations[name]!.up(trx);
      } catch (cause) {
        throw new MigrationFailedError(name, { cause });
      }
      await sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(trx);
      done.push(name);
    }
    return done;
  });
}
