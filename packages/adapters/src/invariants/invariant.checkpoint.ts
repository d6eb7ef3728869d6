import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { JobLockKeys } from '../jobs/advisory.lock';

/**
 * The last id of each sequence whose rows a clean audit saw whole: every row committed at or
 * below it was in that audit's snapshot, so the next audit checks only the rows above.
 */
export interface Watermarks {
  balanceHistoryId: number;
  orderId: number;
  refundId: number;
  outboxSeq: number;
  userCouponId: number;
}

/** Before any audit: every row is above these. */
const NO_WATERMARKS: Watermarks = { balanceHistoryId: 0, orderId: 0, refundId: 0, outboxSeq: 0, userCouponId: 0 };

/**
 * What the last clean audit verified (table invariant_checkpoint, migration 0006). The marks count
 * the rows at or below the watermarks only, so that the next audit adds exactly the rows above.
 */
export interface InvariantCheckpoint {
  checkedAt: Date;
  watermarks: Watermarks;
  /** Per product id: units of the orders ≤ the watermark, less those cancelled (by an event ≤ it) and restocked by refunds ≤ it. */
  unitsOut: Record<string, number>;
  /** Per coupon id: user coupons ≤ the watermark. */
  couponsIssued: Record<string, number>;
  /** Per complete day checked (`YYYY-MM-DD`): its run's aggregated_at in µs since the epoch (exact, unlike a JS Date). */
  aggregatedDays: Record<string, string>;
}

/** Each sequence of the rows the incremental audit follows, by the table and column that take it. */
const SEQUENCES = {
  balanceHistoryId: ['balance_history', 'id'],
  orderId: ['orders', 'id'],
  refundId: ['refunds', 'id'],
  outboxSeq: ['outbox', 'seq'],
  userCouponId: ['user_coupons', 'id'],
} as const satisfies Record<keyof Watermarks, readonly [string, string]>;

/** The last value each sequence gave (0 before its first), read in one statement. */
export async function readSequences(db: Kysely<DB>): Promise<Watermarks> {
  const last = (table: string, column: string) => sql<number>`coalesce(pg_sequence_last_value(pg_get_serial_sequence(${table}, ${column})::regclass), 0)`;
  const { rows } = await sql<Record<keyof Watermarks, number>>`
    select ${last(...SEQUENCES.balanceHistoryId)} as "balanceHistoryId", ${last(...SEQUENCES.orderId)} as "orderId",
           ${last(...SEQUENCES.refundId)} as "refundId", ${last(...SEQUENCES.outboxSeq)} as "outboxSeq",
           ${last(...SEQUENCES.userCouponId)} as "userCouponId"`.execute(db);
  const row = rows[0]!;
  return {
    balanceHistoryId: Number(row.balanceHistoryId),
    orderId: Number(row.orderId),
    refundId: Number(row.refundId),
    outboxSeq: Number(row.outboxSeq),
    userCouponId: Number(row.userCouponId),
  };
}

/**
 * Waits until every transaction of this database that began before now has ended; false if some
 * still run at `deadline` (epoch ms). Called after `readSequences`: a transaction that drew an id
 * at or below what it read began before that read, so once they have all ended, a snapshot taken
 * next holds every row at or below the sequences' values that will ever commit. Ids are drawn
 * before their rows are written (orders take theirs with nextval, then insert), sometimes before
 * the transaction has an xid, so it is the start of each transaction that counts, not its xid.
 * A session of another role shows no state without pg_read_all_stats: it counts as running, since
 * it cannot be told apart (the service's sessions share one role). Not waited for: the transaction
 * that only holds a job's advisory lock (runUnderAdvisoryLock) while the job runs — the scheduler
 * audits inside that job, which would otherwise wait for its own lock until the end of the wait.
 */
export async function awaitTransactionsBegunBefore(db: Kysely<DB>, deadline: number, pollMs: number): Promise<boolean> {
  // A statement of its own, after the sequences were read: clock_timestamp() is then later than
  // any draw they counted.
  const { rows } = await sql<{ at: Date }>`select clock_timestamp() as at`.execute(db);
  const at = rows[0]!.at;
  for (;;) {
    const { rows: still } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity a
      where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()
        and (xact_start < ${at} or state is null)
        and not (backend_xid is null and exists (
              select 1 from pg_locks l
              where l.pid = a.pid and l.locktype = 'advisory' and l.objsubid = 1
                and ((l.classid::bigint << 32) | l.objid::bigint) = any(${Object.values(JobLockKeys)}::bigint[])))`.execute(db);
    if (still[0]?.n === 0) return true;
    if (Date.now() + pollMs >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export async function readCheckpoint(db: Kysely<DB>): Promise<InvariantCheckpoint | null> {
  const row = await db.selectFrom('invariant_checkpoint').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return null;
  return {
    checkedAt: row.checked_at,
    watermarks: {
      balanceHistoryId: row.balance_history_id,
      orderId: row.order_id,
      refundId: row.refund_id,
      outboxSeq: row.outbox_seq,
      userCouponId: row.user_coupon_id,
    },
    unitsOut: row.units_out,
    couponsIssued: row.coupons_issued,
    aggregatedDays: row.aggregated_days,
  };
}

/** Replaces the checkpoint: only the latest is kept. */
export async function writeCheckpoint(db: Kysely<DB>, checkpoint: InvariantCheckpoint): Promise<void> {
  const { watermarks: w } = checkpoint;
  const columns = {
    checked_at: checkpoint.checkedAt,
    balance_history_id: w.balanceHistoryId,
    order_id: w.orderId,
    refund_id: w.refundId,
    outbox_seq: w.outboxSeq,
    user_coupon_id: w.userCouponId,
    units_out: JSON.stringify(checkpoint.unitsOut),
    coupons_issued: JSON.stringify(checkpoint.couponsIssued),
    aggregated_days: JSON.stringify(checkpoint.aggregatedDays),
  };
  await db
    .insertInto('invariant_checkpoint')
    .values({ id: 1, ...columns })
    .onConflict((oc) => oc.column('id').doUpdateSet(columns))
    .execute();
}

/**
 * Per product: units of the orders in (after, upTo], less the lines of the orders cancelled by an
 * order.cancelled event in that range of seq, less restocked refund lines in that range of
 * refund ids; upTo null for no upper end. The checkpoint's marks are this over (0, its
 * watermarks]; the next audit adds it over (the watermarks, ∞).
 */
export function unitsOutBetween(after: Watermarks, upTo: Watermarks | null) {
  const below = (column: string, key: keyof Watermarks) => (upTo === null ? sql`true` : sql`${sql.ref(column)} <= ${upTo[key]}`);
  return sql<{ product_id: number; units: number }>`
    select product_id, sum(units)::bigint as units from (
      select l.product_id, l.quantity as units
      from order_lines l where l.order_id > ${after.orderId} and ${below('l.order_id', 'orderId')}
      union all
      select l.product_id, -l.quantity
      from (select distinct order_id from outbox e
            where e.seq > ${after.outboxSeq} and ${below('e.seq', 'outboxSeq')} and e.type = 'order.cancelled') c
      join orders o on o.id = c.order_id and o.status = 'CANCELLED'
      join order_lines l on l.order_id = o.id
      union all
      select rl.product_id, -rl.quantity
      from refunds r join refund_lines rl on rl.refund_id = r.id
      where r.id > ${after.refundId} and ${below('r.id', 'refundId')} and r.restocked
    ) moved
    group by product_id`;
}

/** Per coupon: user coupons with ids in (after, upTo]; upTo null for no upper end. */
export function couponsIssuedBetween(after: Watermarks, upTo: Watermarks | null) {
  return sql<{ coupon_id: number; issued: number }>`
    select coupon_id, count(*)::bigint as issued from user_coupons
    where id > ${after.userCouponId} ${upTo === null ? sql`` : sql`and id <= ${upTo.userCouponId}`}
    group by coupon_id`;
}

/** The checkpoint's marks moved from `from`'s watermarks (none: the start) to `to`, in `db`'s snapshot. */
export async function marksAt(
  db: Kysely<DB>,
  from: InvariantCheckpoint | null,
  to: Watermarks,
): Promise<Pick<InvariantCheckpoint, 'unitsOut' | 'couponsIssued'>> {
  const after = from?.watermarks ?? NO_WATERMARKS;
  const unitsOut = { ...(from?.unitsOut ?? {}) };
  const couponsIssued = { ...(from?.couponsIssued ?? {}) };
  for (const row of (await unitsOutBetween(after, to).execute(db)).rows) {
    unitsOut[String(row.product_id)] = (unitsOut[String(row.product_id)] ?? 0) + Number(row.units);
  }
  for (const row of (await couponsIssuedBetween(after, to).execute(db)).rows) {
    couponsIssued[String(row.coupon_id)] = (couponsIssued[String(row.coupon_id)] ?? 0) + Number(row.issued);
  }
  return { unitsOut, couponsIssued };
}

/** Complete aggregation runs: day → aggregated_at in µs (a re-run changes it). */
export async function completeDays(db: Kysely<DB>): Promise<Record<string, string>> {
  const { rows } = await sql<{ day: string; stamp: string }>`
    select day::text as day, (extract(epoch from aggregated_at) * 1000000)::bigint::text as stamp
    from sales_aggregation_runs where complete order by day`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.day, r.stamp]));
}

/**
 * The orders that may have changed above the watermarks: new ones, and those named by a new
 * history row, refund, event or user coupon (a cancellation writes a REFUND row and an event; a
 * refund its row, its refund and an event). What changed an order with none of these is a silent
 * edit, which the nightly full audit is there for.
 */
export async function touchedOrders(db: Kysely<DB>, since: Watermarks): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select id from orders where id > ${since.orderId}
    union select order_id from balance_history where id > ${since.balanceHistoryId} and order_id is not null
    union select order_id from refunds where id > ${since.refundId}
    union select order_id from outbox where seq > ${since.outboxSeq} and type like 'order.%'
    union select order_id from user_coupons where id > ${since.userCouponId} and order_id is not null`.execute(db);
  return rows.map((r) => Number(r.id));
}
