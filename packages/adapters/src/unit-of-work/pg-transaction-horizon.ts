import type { TransactionHorizon } from '@storefront/application';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export interface TransactionHorizonOptions {
  /** How long to wait for the transactions open now; past it, the answer is "not settled". */
  timeoutMs: number;
  /** Pause between two looks. */
  pollMs: number;
}

/**
 * The transaction horizon on PostgreSQL, by transaction ids. The horizon takes an id of its own,
 * N: every transaction that holds an id now holds one below N. It then waits until the oldest
 * transaction still running has an id of at least N (`pg_snapshot_xmin`). Every unit of work
 * takes its id in its BEGIN round trip (open-database.ts), before the use case reads the clock,
 * so a transaction with an id above N read the clock after the horizon's start. Ids are global
 * to the server, so this sees every role and instance, whatever pg_stat_activity would let this
 * role see; read-only sessions (no id) are not waited for, and need not be.
 *
 * (A snapshot's in-progress list is not enough: its xmax is the last *completed* id plus one,
 * so a running transaction above every completed one is in no list.)
 */
export class PgTransactionHorizon implements TransactionHorizon {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: TransactionHorizonOptions,
  ) {}

  async awaitOpenTransactions(): Promise<Date | null> {
    // now() is this statement's start: before the id is taken, a lower bound of "now".
    const { rows } = await sql<{ horizon: string; at: Date }>`select pg_current_xact_id()::text as horizon, now() as at`.execute(this.db);
    const { horizon, at } = rows[0]!;
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      const settled = await sql<{ settled: boolean }>`
        select pg_snapshot_xmin(pg_current_snapshot()) >= ${horizon}::xid8 as settled
      `.execute(this.db);
      if (settled.rows[0]?.settled === true) return at;
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs));
    }
  }
}
