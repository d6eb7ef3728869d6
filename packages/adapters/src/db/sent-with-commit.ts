import type { DatabaseConnection, Kysely } from 'kysely';

/**
 * Writes a transaction defers to its COMMIT, rendered when the transaction commits: they reach
 * PostgreSQL in the same round trip as the COMMIT itself (see `GuardedPostgresDriver`).
 */
export interface SentWithCommit {
  /** Plain SQL statements, literals inlined (no parameters: they travel as one simple query). */
  statements(): string[];
}

/**
 * What each open transaction will send with its COMMIT, by connection. The drivers of
 * database.factory.ts own a transaction's connection from BEGIN to COMMIT or ROLLBACK: they open
 * the entry at BEGIN and take (or drop) it there, so nothing outlives its transaction — and a
 * transaction of any other driver, which would never send the writes, has no entry to defer to.
 */
const pendingByConnection = new WeakMap<DatabaseConnection, SentWithCommit[]>();

/** For a driver's BEGIN: this transaction's COMMIT will send what is deferred to it. */
export function openStatementsSentWithCommit(connection: DatabaseConnection): void {
  pendingByConnection.set(connection, []);
}

/**
 * Defers `writes` to the COMMIT of the transaction `trx` runs on; deferring the same writes
 * again is a no-op (they render all they hold at commit). Refused, rather than silently never
 * run, outside a transaction or on a driver that does not send them.
 */
export async function sendWithCommit<DB>(trx: Kysely<DB>, writes: SentWithCommit): Promise<void> {
  if (!trx.isTransaction) throw new Error('Writes sent with the COMMIT need a transaction');
  await trx.getExecutor().provideConnection(async (connection) => {
    const pending = pendingByConnection.get(connection);
    if (pending === undefined) throw new Error('This transaction’s driver sends nothing with its COMMIT: open the database with openDatabase()');
    if (!pending.includes(writes)) pending.push(writes);
  });
}

/** The statements to send with this connection's COMMIT, in the order deferred; forgets them. */
export function takeStatementsSentWithCommit(connection: DatabaseConnection): string[] {
  const pending = pendingByConnection.get(connection) ?? [];
  pendingByConnection.delete(connection);
  return pending.flatMap((writes) => writes.statements());
}

/** A transaction that rolls back sends nothing it deferred. */
export function dropStatementsSentWithCommit(connection: DatabaseConnection): void {
  pendingByConnection.delete(connection);
}
