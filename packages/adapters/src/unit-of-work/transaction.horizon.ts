import type { TransactionHorizon } from '@storefront/application';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';

export interface TransactionHorizonOptions {
  /** How long to wait for the transactions open now; past it, the answer is "not settled". */
  timeoutMs: number;
  /** Pause between two looks. */
  pollMs: number;
}

/**
 * The transaction horizon on PostgreSQL, by transaction ids. Every unit of work takes its id in
 * its BEGIN round trip (database.factory.ts), before the use case reads the clock, and holds the
 * lock on that id until it ends. The horizon lists the ids held now by other sessions of this
 * database (pg_locks, readable by every role, joined to pg_stat_activity for the database) and
 * waits until none of them is held any more. A transaction that takes its id after the list was
 * read reads the clock after the horizon's start. Read-only sessions (no id) are not waited for,
 * and need not be; transactions of other databases on the server are not either.
 *
 * (The server-wide `pg_snapshot_xmin` would wait for every database's transactions too; and a
 * snapshot's in-progress list misses a running transaction above every completed id.)
 */
export class PgTransactionHorizon implements TransactionHorizon {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: TransactionHorizonOptions,
  ) {}

  async awaitOpenTransactions(): Promise<Date | null> {
    // now() is this statement's start: before pg_locks is read, a lower bound of "now".
    const { rows } = await sql<{ ids: string[]; at: Date }>`
      select coalesce(array_agg(${openIdsOfThisDatabase}), '{}') as ids, now() as at
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where ${isOpenTransactionOfThisDatabase}
    `.execute(this.db);
    const { ids, at } = rows[0]!;
    const deadline = Date.now() + this.options.timeoutMs;
    while (ids.length > 0) {
      const still = await sql<{ n: number }>`
        select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where ${isOpenTransactionOfThisDatabase} and ${openIdsOfThisDatabase} = any(${ids}::text[])
      `.execute(this.db);
      if (still.rows[0]?.n === 0) break;
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs));
    }
    return at;
  }
}

/** A transaction holds an exclusive lock on its own id from the moment it takes one to its end. */
const isOpenTransactionOfThisDatabase = sql<boolean>`
  l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
  and a.datname = current_database() and l.pid <> pg_backend_pid()`;
const openIdsOfThisDatabase = sql<string>`l.transactionid::text`;
