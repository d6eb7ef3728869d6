import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock';
import type { DB } from './schema';

export interface Database {
  db: Kysely<DB>;
  kind: 'postgres' | 'pglite';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** PostgreSQL pool occupancy, for the metrics; undefined on PGlite (one connection, no pool). */
  poolStats?: () => { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; without one, the embedded PGlite database in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` (or unset) keeps them in memory only. */
  dataDir?: string | undefined;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number | undefined;
  /** PostgreSQL guard: a statement running longer than this is cancelled. */
  statementTimeoutMs?: number | undefined;
  /**
   * PGlite only: a `dumpDataDir()` tarball that a new data directory starts from, skipping
   * initdb (seconds) — tests copy a migrated template this way.
   */
  pgliteLoadDataDir?: Blob | undefined;
}

export const DEFAULT_POOL_SIZE = 20;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** A transaction left open and idle this long is a bug (or a dead client): PostgreSQL ends it. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

const INT8_OID = 20;
const DATE_OID = 1082;

/**
 * int8 (bigint) as a JS number. Money and ids are far below 2^53, so a larger value means
 * corrupt data or a bug: refuse it rather than round it silently.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return value;
}

/** `date` as its 'YYYY-MM-DD' text: a business day, not an instant. */
const parseDate = (text: string): string => text;

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir, options.pgliteLoadDataDir);
}

function openPostgres(connectionString: string, options: OpenDatabaseOptions): Database {
  // Type parsers for this pool only: the process-wide pg.types stay untouched.
  const getTypeParser = (oid: number, format?: 'text' | 'binary'): ((text: string) => unknown) => {
    if (oid === INT8_OID) return parseInt8;
    if (oid === DATE_OID) return parseDate;
    return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
  };
  const types = { getTypeParser };
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    types,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    connectionTimeoutMillis: 10_000,
    application_name: 'storefront',
  });
  // An idle client that loses its connection (a restart, a terminated backend) must not crash
  // the process: the pool drops it and opens another on demand.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Database> {
  const persistent = dataDir !== undefined && !dataDir.startsWith('memory://');
  if (persistent) await mkdir(dataDir, { recursive: true });
  // One process per directory (see data-dir-lock.ts): refused here, before PGlite touches a file.
  const lock = persistent ? lockDataDir(dataDir) : undefined;
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(persistent ? { dataDir } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
      parsers: { [INT8_OID]: parseInt8, [DATE_OID]: parseDate },
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  // PGlite has one connection. Kysely's PGlite adapter declares that, so its driver holds a
  // connection mutex for the whole of each transaction: concurrent db.transaction() calls run
  // one after the other, never interleaved (tested in open-database.integration.test.ts).
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}
