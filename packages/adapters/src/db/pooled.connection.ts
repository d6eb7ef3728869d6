import type { CompiledQuery, DatabaseConnection, Kysely, QueryResult } from 'kysely';
import type pg from 'pg';
import type { DB } from './database.schema';
import { withIntegersInlined } from './sql-literals';

/** What the pool's clients answer: one result per statement, an array of them for a message of several. */
type ClientResult = pg.QueryResult | pg.QueryResult[];

/**
 * One pooled `pg` client as Kysely's connection, for the PostgreSQL driver of database.factory.ts.
 * Kysely's own connection keeps its client to itself and answers a message of several statements
 * with no rows; this one can also hold a transaction's BEGIN back and send it in the same
 * simple-protocol message as the transaction's first statement (`executeOpening`), saving the
 * transaction a round trip. A held BEGIN never lets a statement run outside its transaction: any
 * other statement sends it first, in a message of its own.
 */
export class PooledConnection implements DatabaseConnection {
  private heldBegin: string | undefined;
  private discarded = false;

  constructor(private readonly client: pg.PoolClient) {}

  /** Holds `begin` back until the transaction's first statement. */
  holdBegin(begin: string): void {
    this.heldBegin = begin;
  }

  /** The BEGIN still held back (nothing has run yet), which the caller now sends or drops. */
  takeHeldBegin(): string | undefined {
    const begin = this.heldBegin;
    this.heldBegin = undefined;
    return begin;
  }

  /** Sends the BEGIN held back, if any, in a round trip of its own. */
  async sendHeldBegin(): Promise<void> {
    this.refuseIfDiscarded();
    const begin = this.takeHeldBegin();
    if (begin !== undefined) await this.client.query(begin);
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    await this.sendHeldBegin();
    return lastResultOf<R>(await this.client.query(query.sql, [...query.parameters]));
  }

  /**
   * Runs `query` as the transaction's first statement: with a BEGIN held back, in the BEGIN's own
   * message, its parameters inlined (a simple-protocol message has none); otherwise as any other.
   */
  async executeOpening<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.heldBegin === undefined) return this.executeQuery(query);
    this.refuseIfDiscarded();
    const message = `${this.takeHeldBegin()}; ${withIntegersInlined(query)}`;
    return lastResultOf<R>(await this.client.query(message));
  }

  streamQuery(): AsyncIterableIterator<never> {
    throw new Error('Streaming queries are not used by this service');
  }

  /** A connection whose ROLLBACK failed is in an unknown state: the pool must close it, not lend it again. */
  discard(): void {
    this.discarded = true;
  }

  release(): void {
    this.client.release(this.discarded);
  }

  private refuseIfDiscarded(): void {
    if (this.discarded) throw new Error('This PostgreSQL connection was discarded');
  }
}

/** Begins `trx` on the server now, if its connection holds its BEGIN back. */
export async function beginNow(trx: Kysely<DB>): Promise<void> {
  await trx.getExecutor().provideConnection(async (connection) => {
    if (connection instanceof PooledConnection) await connection.sendHeldBegin();
  });
}

/**
 * Runs the first statement of `trx` in its BEGIN's round trip when the transaction's connection
 * holds the BEGIN back (PooledConnection); on any other connection (PGlite), as usual.
 */
export async function executeOpeningStatement<R>(trx: Kysely<DB>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  return trx.getExecutor().provideConnection((connection) => (connection instanceof PooledConnection ? connection.executeOpening<R>(query) : connection.executeQuery<R>(query)));
}

const COUNTS_ROWS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** The answer to a message's last statement, shaped as Kysely's PostgreSQL connection shapes it. */
function lastResultOf<R>(answer: ClientResult): QueryResult<R> {
  const { command, rowCount, rows } = Array.isArray(answer) ? answer[answer.length - 1]! : answer;
  // Kysely's driver reads a COMMIT that PostgreSQL completed as ROLLBACK from the command tag.
  if (command === 'COMMIT' || command === 'ROLLBACK') return { rows: [{ command } as R] };
  return { numAffectedRows: COUNTS_ROWS.has(command) ? BigInt(rowCount ?? 0) : undefined, rows: (rows ?? []) as R[] };
}
