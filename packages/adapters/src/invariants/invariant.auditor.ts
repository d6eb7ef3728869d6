import type { InvariantAuditor, InvariantFinding } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { checkInvariants } from './invariant.checks';

/**
 * The SQL invariant checker on the live database: one read-only snapshot, each statement held
 * to the time left of the budget. Events are not required to be delivered yet (the relay may be
 * behind, or the platform down); that each order has its one event is.
 */
export class PgInvariantAuditor implements InvariantAuditor {
  constructor(
    private readonly db: Kysely<DB>,
    /** The business day's zone: the sales statistics are checked per day. */
    private readonly timeZone: string,
  ) {}

  async audit(options: { budgetMs: number; maxBalance: number }): Promise<InvariantFinding[]> {
    const report = await checkInvariants(this.db, { maxBalance: options.maxBalance, timeZone: this.timeZone, deadline: Date.now() + options.budgetMs });
    return report.violations;
  }
}
