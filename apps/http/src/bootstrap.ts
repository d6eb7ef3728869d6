import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  explainStartFailure,
  loadConfig,
  migrateToLatest,
  openDatabase,
  seedDemoData,
  SystemClock,
  type AppConfig,
  type Database,
} from '@storefront/adapters';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { issueToken } from './auth/issue-token';
import { flushLogs } from './logger';

/** `<repository root>/.data`, whatever directory the process was started from. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

/** The environment, parsed; a bad variable ends the process with a message naming it. */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env, { dataDir: DEFAULT_DATA_DIR });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

export class SchemaMissingError extends Error {
  constructor() {
    super('The database has no storefront schema. Run `pnpm db:migrate` (with the same DATABASE_URL) first, then start again.');
    this.name = 'SchemaMissingError';
  }
}

/**
 * Opens the database of the configuration. The embedded PGlite database migrates itself and gets
 * demo data on first start; PostgreSQL is migrated by operators (`pnpm db:migrate`) and only
 * checked here, so a missing schema stops the start with a clear message.
 */
export async function openServiceDatabase(config: AppConfig, logger: Logger): Promise<Database> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: `${config.dataDir}/pglite`,
    poolSize: config.databasePoolSize,
    ...config.databaseTimeouts,
  });
  try {
    if (database.kind === 'pglite') {
      const applied = await migrateToLatest(database.db);
      if (applied.length > 0) logger.info({ applied }, 'embedded database migrated');
      const seed = await seedDemoData(database.db, new SystemClock());
      if (seed.seeded) {
        logger.info({ products: seed.products.length, couponId: seed.coupon?.id }, 'demo products and a first-come coupon seeded');
      }
    } else {
      await assertSchemaPresent(database);
    }
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function assertSchemaPresent(database: Database): Promise<void> {
  const { rows } = await sql<{ present: boolean }>`select to_regclass('public.products') is not null and to_regclass('public.idempotency_keys') is not null as present`.execute(
    database.db,
  );
  if (rows[0]?.present !== true) throw new SchemaMissingError();
}

/** Ready-to-paste tokens for the embedded demo: user 1 and an admin, valid 30 days. */
export async function demoTokens(config: AppConfig): Promise<{ user: string; admin: string }> {
  return {
    user: await issueToken(config.jwt.secret, { sub: 1, role: 'user', ttl: '30d' }),
    admin: await issueToken(config.jwt.secret, { sub: 1_000_000, role: 'admin', ttl: '30d' }),
  };
}

/**
 * Ends a start that failed: a failure an operator can fix (no database, refused connection, port
 * taken, embedded database in use) is one line with the fix; anything else is logged with its
 * stack. Exits 1 once the line is written.
 */
export async function exitOnStartFailure(logger: Logger, error: unknown, config: AppConfig): Promise<never> {
  const hint = explainStartFailure(error, {
    databaseUrl: config.databaseUrl,
    listen: { host: config.http.host, port: config.http.port, variable: 'PORT' },
  });
  if (hint !== undefined) logger.fatal(`Cannot start: ${hint}`);
  else logger.fatal({ err: error }, error instanceof Error ? error.message : 'start failed');
  await flushLogs(logger);
  process.exit(1);
}
