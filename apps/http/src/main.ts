import 'reflect-metadata';
import type { Database } from '@storefront/adapters';
import { createLogger, exitOnStartFailure, installShutdown, loadServiceConfig, openServiceDatabase, startHttpRole } from './index';

/** `pnpm start:http`: the HTTP role alone (several may run side by side on one PostgreSQL). */
const config = loadServiceConfig();
const logger = createLogger({ level: config.logLevel, role: 'http', pretty: config.nodeEnv === 'development' });
let database: Database | undefined;
try {
  database = await openServiceDatabase(config, logger);
  const opened = database;
  const http = await startHttpRole({ config, database, logger });
  installShutdown(logger, async () => {
    await http.close();
    await opened.close();
  });
} catch (error) {
  await database?.close().catch(() => undefined);
  await exitOnStartFailure(logger, error, config);
}
