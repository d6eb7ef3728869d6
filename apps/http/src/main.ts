import 'reflect-metadata';
import { createLogger, flushLogs, installShutdown, loadServiceConfig, openServiceDatabase, startHttpRole } from './index';

/** `pnpm start:http`: the HTTP role alone (several may run side by side on one PostgreSQL). */
const config = loadServiceConfig();
const logger = createLogger({ level: config.logLevel, role: 'http' });
try {
  const database = await openServiceDatabase(config, logger);
  const http = await startHttpRole({ config, database, logger });
  installShutdown(logger, async () => {
    await http.close();
    await database.close();
  });
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'start failed');
  await flushLogs(logger);
  process.exit(1);
}
