import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  Kysely,
  PGliteDialect,
  PGliteDriver,
  PostgresDialect,
  PostgresDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir.lock';
import type { DB } from './database.schema';
import { PooledConnection } from './pooled.connection';
import { dropStatementsSentWithCommit, openStatementsSentWithCommit, takeStatementsSentWithCommit } from './sent-with-commit';

export interface Database {
  db: Kysely<DB>;
  kind: 'postgres' | 'pglite';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** PostgreSQL pool occupancy, for the metrics; undefined on PGlite (one connection, no pool). */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /**
   * Opens every connection of the pool now, rather than on the first requests that need them;
   * a no-op on PGlite. The service calls it before it reports ready.
   */
  openAllConnections(): Promise<void>;
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
   * PostgreSQL guard, per transaction: a statement waiting longer than this for a row lock fails
   * (55P03), so a lock held long by someone else turns into a fast 503 instead of a dead pool.
   */
  lockTimeoutMs?: number | undefined;
  /**
   * PGlite only: a `dumpDataDir()` tarball that a new data directory starts from, skipping
   * initdb (seconds) — tests copy a migrated template this way.
   */
  pgliteLoadDataDir?: Blob | undefined;
}

export const DEFAULT_POOL_SIZE = 20;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 3_000;
/**
 * How long a statement waits for a free connection (or a new one) before it fails, and its
 * request is answered 503. Bursts of thousands of concurrent requests on a pool of 20 queue
 * here for seconds on a busy machine, so not shorter.
 */
const CONNECT_TIMEOUT_MS = 10_000;
/** A transaction left open and idle this long is a bug (or a dead client): PostgreSQL ends it. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/** Kysely's PGlite connection class, not exported: what its driver's methods declare they take. */
type PGliteConnection = Parameters<PGliteDriver['commitTransaction']>[0];

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

/** Type parsers for the service's pools only: the process-wide pg.types stay untouched. */
export const POSTGRES_TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((text: string) => unknown) => {
    if (oid === INT8_OID) return parseInt8;
    if (oid === DATE_OID) return parseDate;
    return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
  },
};

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir, options.pgliteLoadDataDir);
}

function openPostgres(connectionString: string, options: OpenDatabaseOptions): Database {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const size = options.poolSize ?? DEFAULT_POOL_SIZE;
  // A fixed-size pool: `min` = `max` keeps every connection it opened, idle or not. A burst
  // after a quiet minute (a coupon rush at 10:00) then finds them open, instead of paying for
  // up to `size` connection start-ups while its first requests wait.
  const pool = new pg.Pool({
    connectionString,
    max: size,
    min: size,
    types: POSTGRES_TYPES,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'storefront',
  });
  // A client that loses its connection (a restart, a terminated backend) must not crash the
  // process. The pool listens on idle clients only; a checked-out client (idle in a transaction
  // between two statements) emits 'error' with no listener, which Node turns into an uncaught
  // exception. Every client gets a listener for its whole life: the statement in flight, or the
  // next one, fails instead, and the pool discards the client when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const transactionGuards = guardsOfEachTransaction(statementTimeoutMs, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const db = new Kysely<DB>({ dialect: new GuardedPostgresDialect({ pool }, transactionGuards) });
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    openAllConnections: async () => {
      const opened = await Promise.allSettled(Array.from({ length: size }, () => pool.connect()));
      for (const result of opened) if (result.status === 'fulfilled') result.value.release();
      const failed = opened.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
    close: () => db.destroy(),
  };
}

/**
 * What every transaction runs right after BEGIN, in the same round trip: `SET LOCAL` timeouts,
 * scoped to the transaction, so they hold behind PgBouncer in transaction mode (a session `SET`
 * would leak to whichever client gets the server next, and startup parameters may not reach the
 * server at all).
 */
export function guardsOfEachTransaction(statementTimeoutMs: number, lockTimeoutMs: number): string {
  const ms = (value: number) => `'${Math.trunc(value)}ms'`;
  return `set local lock_timeout = ${ms(lockTimeoutMs)}; set local statement_timeout = ${ms(statementTimeoutMs)}`;
}

/**
 * Kysely's PostgreSQL driver whose BEGIN carries the transaction guards (one simple-protocol query),
 * on connections of our own (pooled.connection.ts). A transaction declared `read write` with no
 * isolation level (a unit of work) also takes its transaction id in that round trip
 * (kysely.unit-of-work.ts says why), and its BEGIN is held back until its first statement: the
 * unit of work sends it at once, or lets a first statement that allows it carry it
 * (`executeOpeningStatement`). Other transactions take no id and begin at once.
 */
class GuardedPostgresDriver extends PostgresDriver {
  private readonly pool: pg.Pool;

  constructor(
    config: ConstructorParameters<typeof PostgresDriver>[0],
    private readonly guards: string,
  ) {
    super(config);
    this.pool = config.pool as pg.Pool;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return new PooledConnection(await this.pool.connect());
  }

  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PooledConnection).release();
  }

  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    openStatementsSentWithCommit(connection);
    if (settings.accessMode === 'read write' && settings.isolationLevel === undefined) {
      (connection as PooledConnection).holdBegin(`begin read write; ${this.guards}; select pg_current_xact_id()`);
      return;
    }
    if (settings.isolationLevel !== undefined || settings.accessMode !== undefined) {
      await super.beginTransaction(connection, settings);
      await connection.executeQuery(CompiledQuery.raw(this.guards));
      return;
    }
    await connection.executeQuery(CompiledQuery.raw(`begin; ${this.guards}`));
  }

  /**
   * The writes the transaction deferred to its commit (sent-with-commit.ts) travel in the COMMIT's
   * own simple-protocol query: `update …; update …; commit`. The rows they lock stay locked only
   * while PostgreSQL runs that one message, never while this process, between two round trips,
   * gets to send the next statement. If one of them fails, PostgreSQL skips the rest of the
   * message, COMMIT included, and the transaction is left aborted for the ROLLBACK that follows.
   */
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const deferred = takeStatementsSentWithCommit(connection);
    const begin = (connection as PooledConnection).takeHeldBegin();
    // Nothing ran and nothing was deferred: no transaction was opened, none needs ending.
    if (begin !== undefined && deferred.length === 0) return;
    if (deferred.length === 0) return super.commitTransaction(connection);
    await connection.executeQuery(CompiledQuery.raw([...(begin === undefined ? [] : [begin]), ...deferred, 'commit'].join('; ')));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    dropStatementsSentWithCommit(connection);
    const pooled = connection as PooledConnection;
    if (pooled.takeHeldBegin() !== undefined) return; // never begun on the server
    try {
      await pooled.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      pooled.discard();
      throw error;
    }
  }
}

export class GuardedPostgresDialect extends PostgresDialect {
  constructor(
    private readonly config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly guards: string,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new GuardedPostgresDriver(this.config, this.guards);
  }
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Database> {
  const persistent = dataDir !== undefined && !dataDir.startsWith('memory://');
  if (persistent) await mkdir(dataDir, { recursive: true });
  // One process per directory (see data-dir.lock.ts): refused here, before PGlite touches a file.
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
  // one after the other, never interleaved (tested in database.factory.integration.test.ts).
  const db = new Kysely<DB>({ dialect: new CommittingPGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    openAllConnections: () => Promise.resolve(),
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

/**
 * Kysely's PGlite driver, with the writes a transaction deferred to its commit run just before
 * it. PGlite's one connection serves one transaction at a time, so there is no lock to hold
 * briefly: they run as plain statements (PGlite's extended protocol takes one at a time), with
 * the same effect and the same failure as on PostgreSQL.
 */
class CommittingPGliteDriver extends PGliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    openStatementsSentWithCommit(connection);
    await super.beginTransaction(connection as PGliteConnection);
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    for (const statement of takeStatementsSentWithCommit(connection)) await connection.executeQuery(CompiledQuery.raw(statement));
    await super.commitTransaction(connection as PGliteConnection);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    dropStatementsSentWithCommit(connection);
    await super.rollbackTransaction(connection as PGliteConnection);
  }
}

class CommittingPGliteDialect extends PGliteDialect {
  constructor(private readonly config: ConstructorParameters<typeof PGliteDialect>[0]) {
    super(config);
  }

  override createDriver(): Driver {
    return new CommittingPGliteDriver(this.config);
  }
}
