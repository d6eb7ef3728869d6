import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { SystemClock } from '../clock/system.clock';
import { ConfigError, loadConfig, type AppConfig } from '../config/app.config';
import { explainStartFailure, type StartContext } from '../config/start-failure.explainer';
import { openDatabase, type Database } from '../db/database.factory';
import { migrateToLatest, migrations } from '../migrations/schema.migrator';
import { seedDemoData } from '../seed/demo-data.seed';
import { createLogger, flushLogs } from './service.logger';
import { keepShortLivedObjectsYoung } from './young-generation';

/*
 * The start-up every process shares: `pnpm start:http`, `pnpm start:scheduler`, `pnpm start`
 * and their compiled entry points. Each entry point only says which roles it starts.
 */

/** `<repository root>/.data`, whatever directory the process was started from. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../../.data', import.meta.url));

const READINESS_TIMEOUT_MS = 2_000;
const FORCE_EXIT_AFTER_MS = 10_000;

/** The environment, parsed; a bad variable ends the process with one message naming it. */
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
  constructor(missing: readonly string[]) {
    super(
      missing.length === Object.keys(migrations).length
        ? 'The database has no storefront schema. Run `pnpm db:migrate` (with the same DATABASE_URL) first, then start again.'
        : `The database schema is behind this version (${missing.join(', ')} not applied). Run \`pnpm db:migrate\` (with the same DATABASE_URL) first, then start again.`,
    );
    this.name = 'SchemaMissingError';
  }
}

/**
 * Opens the database of the configuration with DATABASE_POOL_SIZE connections, all of them
 * before the process reports ready (see openAllConnections). The embedded
 * PGlite database migrates itself and gets demo data on first start; PostgreSQL is migrated by
 * operators (`pnpm db:migrate`) and only checked here, so a missing or older schema stops the
 * start with a clear message.
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
      await assertSchemaCurrent(database);
      await database.openAllConnections();
    }
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Every migration this code knows is applied (one a newer version applied is no obstacle). */
async function assertSchemaCurrent(database: Database): Promise<void> {
  const { rows: table } = await sql<{ present: boolean }>`select to_regclass('public.kysely_migration') is not null as present`.execute(database.db);
  const applied =
    table[0]?.present === true ? new Set((await sql<{ name: string }>`select name from kysely_migration`.execute(database.db)).rows.map((row) => row.name)) : new Set();
  const missing = Object.keys(migrations).filter((name) => !applied.has(name));
  if (missing.length > 0) throw new SchemaMissingError(missing);
}

/** True when the database answers a trivial query within two seconds; never throws. */
export function readinessOf(database: Database): () => Promise<boolean> {
  return () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
      database.ping().then(
        () => resolve(true),
        () => resolve(false),
      ).finally(() => clearTimeout(timer));
    });
}

/**
 * On SIGTERM or SIGINT: run `stop` (stop accepting, finish in-flight work, close the pool) and
 * exit 0; exit 1 if it fails, and force the exit if it has not finished after 10 seconds.
 */
export function installShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing the work in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting now');
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS);
    force.unref();
    stop().then(
      () => flushLogs(logger).then(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        return flushLogs(logger).then(() => process.exit(1));
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/**
 * Ends a start that failed: a failure an operator can fix (no database, refused connection, port
 * taken, schema missing, embedded database in use) is one line with the fix; anything else is
 * logged with its stack. Exits 1 once the line is written.
 */
export async function exitOnStartFailure(logger: Logger, error: unknown, context: StartContext): Promise<never> {
  const hint = explainStartFailure(error, context);
  if (hint !== undefined) logger.fatal(`Cannot start: ${hint}`);
  else logger.fatal({ err: error }, error instanceof Error ? error.message : 'start failed');
  await flushLogs(logger);
  process.exit(1);
}

/** What a process's roles get to start with; the database is the process's, closed after the roles stop. */
export interface Service {
  config: AppConfig;
  database: Database;
  logger: Logger;
}

export interface RunningRoles {
  /** Stops accepting work and finishes what is in flight; the database closes after it. */
  stop(): Promise<void>;
  /** Said once the shutdown handlers are in place (the demo's instructions, say). */
  announce?(): Promise<void>;
}

export interface ServiceRoles {
  /** Tags every log line (`http`, `scheduler`); a host of several roles tags their child loggers instead. */
  role?: string;
  /** The address the process listens on, named in the one-line hint when it is taken. */
  listensOn(config: AppConfig): NonNullable<StartContext['listen']>;
  start(service: Service): Promise<RunningRoles>;
}

/**
 * Runs a process: the configuration (a bad variable: one line, exit 1), the logger (JSON lines,
 * secrets redacted), the database opened and checked, the roles started, and a graceful shutdown
 * on SIGTERM or SIGINT with a forced exit after 10 s. A start that fails closes what it opened
 * and ends with one line saying what to fix, when an operator can fix it.
 */
export async function runService(roles: ServiceRoles): Promise<void> {
  keepShortLivedObjectsYoung();
  const config = loadServiceConfig();
  const logger = createLogger({ level: config.logLevel, role: roles.role, pretty: config.nodeEnv === 'development' });
  let database: Database | undefined;
  try {
    database = await openServiceDatabase(config, logger);
    const opened = database;
    const running = await roles.start({ config, database, logger });
    installShutdown(logger, async () => {
      await running.stop();
      await opened.close();
    });
    await running.announce?.();
  } catch (error) {
    await database?.close().catch(() => undefined);
    await exitOnStartFailure(logger, error, { databaseUrl: config.databaseUrl, listen: roles.listensOn(config) });
  }
}
