import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import {
  ConfigError,
  createProcessMetrics,
  explainStartFailure,
  loadConfig,
  migrateToLatest,
  openDatabase,
  type AppConfig,
  type Database,
  type ProcessMetrics,
} from '@storefront/adapters';
import { startSchedulerRole } from './index';
import { createSchedulerLogger, flushSchedulerLogs } from './logger';
import { startMetricsServer, type MetricsServer } from './metrics-server';

/** `<repository root>/.data`, as the HTTP app and `pnpm db:migrate` use it. */
const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

function loadSchedulerConfig(): AppConfig {
  try {
    return loadConfig(process.env, { dataDir: DEFAULT_DATA_DIR });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The embedded PGlite database migrates itself; PostgreSQL is migrated by operators
 * (`pnpm db:migrate`), so a missing schema stops the start with a message saying so.
 */
async function openSchedulerDatabase(config: AppConfig): Promise<Database> {
  // A few connections suffice: one holds the aggregation's lock while the catch-up's
  // transactions, the retention purge and the relay's four passes use the others.
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite`, poolSize: 8, ...config.databaseTimeouts });
  try {
    if (database.kind === 'pglite') {
      await migrateToLatest(database.db);
    } else {
      const { rows } = await sql<{ present: boolean }>`select to_regclass('public.outbox') is not null as present`.execute(database.db);
      if (rows[0]?.present !== true) {
        throw new Error('The database has no storefront schema. Run `pnpm db:migrate` (with the same DATABASE_URL) first, then start again.');
      }
    }
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** `pnpm start:scheduler`: the scheduler role alone (the outbox relay and the 00:00 job), its metrics on METRICS_PORT. */
async function main(): Promise<void> {
  const config = loadSchedulerConfig();
  const logger = createSchedulerLogger({ level: config.logLevel, pretty: config.nodeEnv === 'development' });
  let database: Database | undefined;
  let metricsServer: MetricsServer;
  let metrics: ProcessMetrics;
  try {
    database = await openSchedulerDatabase(config);
    metrics = createProcessMetrics(database);
    const opened = database;
    metricsServer = await startMetricsServer({
      registry: metrics.registry,
      host: config.http.host,
      port: config.metricsPort,
      ready: () => opened.ping().then(() => true, () => false),
    });
    logger.info({ url: `${metricsServer.url}/metrics` }, 'scheduler metrics listening');
  } catch (error) {
    await database?.close().catch(() => undefined);
    const hint = explainStartFailure(error, {
      databaseUrl: config.databaseUrl,
      listen: { host: config.http.host, port: config.metricsPort, variable: 'METRICS_PORT' },
    });
    if (hint !== undefined) logger.fatal(`Cannot start: ${hint}`);
    else logger.fatal({ err: error }, 'cannot start the scheduler');
    await flushSchedulerLogs(logger);
    process.exit(1);
  }
  const opened = database;
  if (opened.kind === 'pglite') {
    logger.warn(
      'running the scheduler alone on the embedded PGlite database: only one process may open it, so do not run `pnpm start:http` on it too (`pnpm start` hosts both roles in one process)',
    );
  }
  const role = startSchedulerRole({ config, database: opened, logger, metrics });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing the relay pass and the aggregation in flight');
    void role
      .close()
      .then(() => metricsServer.close())
      .then(() => opened.close())
      .then(
        () => flushSchedulerLogs(logger).then(() => process.exit(0)),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          return flushSchedulerLogs(logger).then(() => process.exit(1));
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

await main();
