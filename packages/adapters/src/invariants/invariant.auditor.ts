import type { AuditScope, InvariantAudit, InvariantAuditor } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import {
  awaitTransactionsBegunBefore,
  completeDays,
  marksAt,
  readCheckpoint,
  readSequences,
  writeCheckpoint,
  type InvariantCheckpoint,
  type Watermarks,
} from './invariant.checkpoint';
import { runChecks } from './invariant.checks';

export interface PgInvariantAuditorOptions {
  /** The business day's zone: the sales statistics are checked per day. */
  timeZone: string;
  /**
   * Whether other sessions write to the database (PostgreSQL); false on PGlite, one connection in
   * one process, where no transaction can be in flight when the audit starts.
   */
  othersMayWrite: boolean;
  /**
   * How long delivered events are kept (EVENT_RETENTION_DAYS): older changes may have lost their
   * events to the purge. Unset: events are never purged, every change must have its event.
   */
  eventRetentionDays?: number;
}

const DAY_MS = 86_400_000;

/** The part of the budget the audit may spend waiting for transactions begun before it. */
const SETTLE_SHARE = 0.25;
const SETTLE_POLL_MS = 20;
/** serialization_failure: another audit replaced the checkpoint after this one's snapshot. */
const SERIALIZATION_FAILURE = '40001';
const STATEMENT_TIMEOUT = '57014';
/** The subject of a check the budget did not reach (see invariant.checks.ts). */
const NOT_REACHED = 'audit';

/**
 * The SQL invariant checker on the live database: one repeatable-read snapshot, each statement
 * held to the time left of the budget. Events are not required to be delivered yet (the relay may
 * be behind, or the platform down); that each order has its one event is.
 *
 * `incremental` checks what can have changed since the last clean audit's checkpoint (the whole
 * audit when there is none); `full` checks every row. An audit that finds something removes the
 * checkpoint, so that the next one checks everything again. An audit that finds nothing — every
 * check reached — records its checkpoint, in its own snapshot: the sequences' last values read before
 * it, once every transaction begun before that read has ended (so the snapshot holds every row at
 * or below them that will ever commit), and the marks counted up to them. If those transactions
 * do not end within a quarter of the budget, the audit still runs but leaves the checkpoint as
 * it was.
 */
export class PgInvariantAuditor implements InvariantAuditor {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: PgInvariantAuditorOptions,
  ) {}

  async audit(options: { budgetMs: number; maxBalance: number; scope: AuditScope }): Promise<InvariantAudit> {
    const deadline = Date.now() + options.budgetMs;
    const sequences = await readSequences(this.db);
    const settled = this.options.othersMayWrite
      ? await awaitTransactionsBegunBefore(this.db, Date.now() + options.budgetMs * SETTLE_SHARE, SETTLE_POLL_MS)
      : true;
    const trx = await this.db.startTransaction().setIsolationLevel('repeatable read').execute();
    let wrote = false;
    try {
      // The first statement takes the snapshot: after the wait.
      const checkpoint = options.scope === 'incremental' ? await readCheckpoint(trx) : null;
      const report = await runChecks(trx, { checkpoint }, {
        maxBalance: options.maxBalance,
        timeZone: this.options.timeZone,
        deadline,
        eventsKeptSince: this.eventsKeptSince(),
      });
      const reachedEveryCheck = report.violations.every((v) => v.subject !== NOT_REACHED);
      if (report.ok && settled) wrote = await replacingTheCheckpoint(() => advanceCheckpoint(trx, checkpoint, sequences));
      // Something is broken: the next audit checks everything again, not just what changes after.
      else if (!report.ok && reachedEveryCheck) wrote = await replacingTheCheckpoint(() => trx.deleteFrom('invariant_checkpoint').execute());
      return { scope: checkpoint ? 'incremental' : 'full', findings: report.violations };
    } finally {
      if (wrote) await trx.commit().execute();
      else await trx.rollback().execute();
    }
  }

  /**
   * The purge deletes an event delivered more than the retention ago, and an event is delivered
   * after the change it tells of: a change since then still has its event. A day's margin covers
   * the clocks of the service and the database.
   */
  private eventsKeptSince(): Date | undefined {
    const days = this.options.eventRetentionDays;
    return days === undefined ? undefined : new Date(Date.now() - (days + 1) * DAY_MS);
  }
}

/**
 * Changes the checkpoint in the audit's transaction; false if it could not (out of time, or
 * another audit changed it meanwhile: the next audit then starts from what that one left).
 */
async function replacingTheCheckpoint(change: () => Promise<unknown>): Promise<boolean> {
  try {
    await change();
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === SERIALIZATION_FAILURE || code === STATEMENT_TIMEOUT) return false;
    throw error;
  }
}

/** Writes the checkpoint of a clean audit, in its snapshot. */
async function advanceCheckpoint(trx: Kysely<DB>, from: InvariantCheckpoint | null, sequences: Watermarks): Promise<void> {
  // A checkpoint another audit wrote before this snapshot may be ahead of the sequences read
  // here; every row at or below its watermarks is in this snapshot too.
  const watermarks = from ? highestOf(from.watermarks, sequences) : sequences;
  const marks = await marksAt(trx, from, watermarks);
  await writeCheckpoint(trx, { checkedAt: new Date(), watermarks, ...marks, aggregatedDays: await completeDays(trx) });
}

function highestOf(a: Watermarks, b: Watermarks): Watermarks {
  return {
    balanceHistoryId: Math.max(a.balanceHistoryId, b.balanceHistoryId),
    orderId: Math.max(a.orderId, b.orderId),
    refundId: Math.max(a.refundId, b.refundId),
    outboxSeq: Math.max(a.outboxSeq, b.outboxSeq),
    userCouponId: Math.max(a.userCouponId, b.userCouponId),
  };
}
