import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResult } from 'kysely/migration';
import { initialSchema } from './0001-initial-schema';
import { idempotencyClaims } from './0004-idempotency-claims';

/** Every migration, in code: the key orders them (Kysely sorts by name), the value runs them. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
  '0004-idempotency-claims': idempotencyClaims,
};

/** Our own advisory key, distinct from Kysely's, held for the whole run (two int4 keys: 'SF', 1). */
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
 * skipped) and safe from several processes at once: the run holds a session-level
 * `pg_advisory_lock` on one connection, so a second migrator waits and then finds nothing to
 * do. Answers the names of the migrations it applied.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  return db.connection().execute(async (connection) => {
    const locked = connection as unknown as Kysely<unknown>;
    await sql`select pg_advisory_lock(${MIGRATION_LOCK.namespace}, ${MIGRATION_LOCK.key})`.execute(locked);
    try {
      const migrator = new Migrator({ db: locked, provider: { getMigrations: async () => ({ ...migrations }) } });
      const { error, results } = await migrator.migrateToLatest();
      if (error !== undefined) {
        const failed = results?.find((r: MigrationResult) => r.status === 'Error');
        throw new MigrationFailedError(failed?.migrationName, { cause: error });
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK.namespace}, ${MIGRATION_LOCK.key})`.execute(locked);
    }
  });
}
