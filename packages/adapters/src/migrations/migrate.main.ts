/*
 * `pnpm db:migrate`: migrates the PostgreSQL of DATABASE_URL, or the embedded PGlite database
 * in `$DATA_DIR/pglite` (DATA_DIR defaults to `.data/` at the repository root, whatever the
 * working directory pnpm gives this script). Safe to repeat and to run twice at once.
 */
import { openDatabase, type Database } from '../db/database.factory';
import { DEFAULT_DATA_DIR } from '../service/service.start-up';
import { migrateToLatest } from './schema.migrator';

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
  const dataDir = `${process.env.DATA_DIR?.trim() || DEFAULT_DATA_DIR}/pglite`;
  const target = databaseUrl ? redact(databaseUrl) : `embedded PGlite in ${dataDir}`;

  let database: Database;
  try {
    database = await openDatabase({ databaseUrl, dataDir, poolSize: 2 });
    await database.ping();
  } catch (error) {
    console.error(`db:migrate: cannot connect to ${target}: ${describe(error)}`);
    return 2;
  }
  try {
    const applied = await migrateToLatest(database.db);
    console.log(applied.length === 0 ? `db:migrate: ${target} is up to date` : `db:migrate: applied ${applied.join(', ')} to ${target}`);
    return 0;
  } catch (error) {
    console.error(`db:migrate: migrating ${target} failed: ${describe(error)}`);
    return 1;
  } finally {
    await database.close();
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL (unparseable)';
  }
}

process.exitCode = await main();
