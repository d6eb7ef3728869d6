import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, beforeAll, inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.factory';
import type { DB } from '../../src/db/database.schema';
import { migrateToLatest } from '../../src/migrations/schema.migrator';
import { copyTemplate, createTemplateDatabase, type FreshDatabaseRef } from './databases';
import { findPostgresServer } from './postgres-server';
// For its types only: the context its globalSetup provides to `inject`, declared there.
import type {} from './global-setup';

export { findPostgresServer, type PostgresServer } from './postgres-server';
export type { FreshDatabaseRef } from './databases';

/*
 * The integration-test harness, shared by every package and app (`@storefront/adapters/testing`).
 *
 *   const testDb = useFreshDatabase();            // a fresh migrated PostgreSQL for this file
 *   it('…', async () => { const { db } = testDb.current; … });
 *
 * or, by hand: `const database = await freshDatabase(); afterAll(() => database.close());`
 * (close() also drops the database). `freshDatabaseUrl()` gives only a URL, for code that
 * opens its own connections (an app under test given DATABASE_URL).
 */

interface RunDatabases {
  adminUrl: string;
  template: string;
}

let fallbackRun: Promise<RunDatabases> | undefined;

/** The run's server and template: from globalSetup, or (without it) made once per worker. */
function runDatabases(): Promise<RunDatabases> {
  const provided = inject('storefrontPostgres');
  if (provided) return Promise.resolve(provided);
  // Without the integration project's globalSetup: set up here; the template is left for the
  // next run's leftover cleanup.
  fallbackRun ??= (async () => {
    const server = await findPostgresServer();
    return { adminUrl: server.adminUrl, template: await createTemplateDatabase(server.adminUrl) };
  })();
  return fallbackRun;
}

/** A new, migrated, empty PostgreSQL database; `drop()` removes it. */
export async function freshDatabaseUrl(): Promise<FreshDatabaseRef> {
  const { adminUrl, template } = await runDatabases();
  return copyTemplate(adminUrl, template);
}

/** A new database with nothing in it, not even the schema (for migration tests). */
export async function freshEmptyDatabaseUrl(): Promise<FreshDatabaseRef> {
  const { adminUrl } = await runDatabases();
  return copyTemplate(adminUrl, 'template0');
}

export type TestDatabase = Database & { url: string; name: string };

/** A fresh database, opened; `close()` closes the pool and drops the database. */
export async function freshDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const ref = await freshDatabaseUrl();
  const database = await openDatabase({ databaseUrl: ref.url, poolSize: options.poolSize ?? 20 });
  return {
    ...database,
    url: ref.url,
    name: ref.name,
    close: async () => {
      await database.close();
      await ref.drop();
    },
  };
}

/** Registers beforeAll/afterAll hooks for a fresh database shared by the tests of this file. */
export function useFreshDatabase(options: { poolSize?: number } = {}): { readonly current: TestDatabase } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await freshDatabase(options);
  });
  afterAll(async () => {
    await database?.close();
  });
  return {
    get current(): TestDatabase {
      if (!database) throw new Error('The test database is opened in beforeAll: use it inside a test or hook');
      return database;
    },
  };
}

let pgliteTemplate: Promise<Blob> | undefined;

/** A migrated PGlite data directory as a tarball, made once per worker: initdb takes seconds. */
function migratedPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const pglite = await PGlite.create();
    const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
    try {
      await migrateToLatest(db);
      return await pglite.dumpDataDir('none');
    } finally {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    }
  })();
  return pgliteTemplate;
}

/**
 * An embedded PGlite database in a temporary directory, migrated (a copy of a per-worker
 * template); `close()` deletes it.
 */
export async function freshPgliteDatabase(): Promise<Database & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'storefront-pglite-'));
  const database = await openDatabase({ dataDir, pgliteLoadDataDir: await migratedPgliteTemplate() });
  return {
    ...database,
    dataDir,
    close: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
export { startPgBouncer, findPgBouncerBinary, type PgBouncer } from './pgbouncer';
