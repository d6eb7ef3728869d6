import { checkInvariants, openDatabase, type Database } from '@storefront/adapters';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';

/**
 * The service's own invariant checker (docs/architecture.md#invariants, 1–6), run on the service's database
 * after each scenario once the relay has delivered what the scenario wrote.
 */
export interface InvariantVerdict {
  ok: boolean;
  /** Human-readable lines: each violation, and any extra check of the scenario. */
  problems: string[];
  /** Seconds waited for the outbox to drain before checking. */
  drainSeconds: number;
}

export class InvariantChecks {
  private constructor(
    private readonly database: Database,
    private readonly options: { maxBalance: number; timeZone: string },
  ) {}

  static async open(databaseUrl: string, options: { maxBalance: number; timeZone: string }): Promise<InvariantChecks> {
    // The checker scans whole tables: give it minutes, not the service's 30 s statement guard.
    return new InvariantChecks(await openDatabase({ databaseUrl, poolSize: 2, statementTimeoutMs: 600_000 }), options);
  }

  /** Events the relay has not delivered (nor parked) yet. */
  async pendingEvents(): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from outbox where status = 'PENDING'`.execute(this.database.db);
    return rows[0]?.n ?? 0;
  }

  async issuedCoupons(couponId: number): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from user_coupons where coupon_id = ${couponId}`.execute(this.database.db);
    return rows[0]?.n ?? 0;
  }

  /**
   * The flash sale's own checks on one product: units sold against units received (an oversell
   * is sold > received, or a negative stock), and buyers debited more than once for it — each
   * phase sends one request per user, so a user with two orders of the product, or an order with
   * other than one PAYMENT row, is a double or lost debit.
   */
  async flashSale(productId: number): Promise<{ sold: number; received: number; stock: number; orders: number; buyersWithTwoOrders: number; ordersNotDebitedOnce: number }> {
    const { rows } = await sql<{ sold: number; received: number; stock: number; orders: number; twice: number; not_once: number }>`
      with lines as (
        select o.id, o.user_id, o.paid_amount, l.quantity from orders o join order_lines l on l.order_id = o.id where l.product_id = ${productId}
      )
      select coalesce((select sum(quantity) from lines), 0)::int as sold,
             p.stock_received::int as received,
             (select coalesce(sum(remaining), 0) from product_stock_shards where product_id = p.id)::int as stock,
             (select count(*) from lines)::int as orders,
             (select count(*) from (select user_id from lines group by user_id having count(*) > 1) t)::int as twice,
             (select count(*) from lines x
               where (select count(*) from balance_history h where h.order_id = x.id and h.type = 'PAYMENT' and h.amount = x.paid_amount) <> 1)::int as not_once
      from products p where p.id = ${productId}`.execute(this.database.db);
    const row = rows[0];
    if (!row) throw new Error(`product ${productId} not found`);
    return { sold: row.sold, received: row.received, stock: row.stock, orders: row.orders, buyersWithTwoOrders: row.twice, ordersNotDebitedOnce: row.not_once };
  }

  /** The highest order id so far (0 before the first): where the orders placed next begin. */
  async lastOrderId(): Promise<number> {
    const { rows } = await sql<{ id: number }>`select coalesce(max(id), 0)::bigint as id from orders`.execute(this.database.db);
    return Number(rows[0]?.id ?? 0);
  }

  /** Orders above `orderId`, with their users, first products and statuses: the order lifecycle scenarios' orders. */
  async ordersAfter(orderId: number): Promise<{ orderId: number; userId: number; productId: number; status: string }[]> {
    const { rows } = await sql<{ id: number; user_id: number; product_id: number; status: string }>`
      select o.id, o.user_id, min(l.product_id) as product_id, o.status
      from orders o join order_lines l on l.order_id = o.id where o.id > ${orderId} group by o.id order by o.id`.execute(this.database.db);
    return rows.map((row) => ({ orderId: Number(row.id), userId: Number(row.user_id), productId: Number(row.product_id), status: row.status }));
  }

  async paidOrders(): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(this.database.db);
    return rows[0]?.n ?? 0;
  }

  /** Waits (bounded) for the relay to deliver every event, then runs the checker. */
  async check(drainTimeoutSeconds: number): Promise<InvariantVerdict> {
    const started = performance.now();
    const deadline = Date.now() + drainTimeoutSeconds * 1000;
    let pending = await this.pendingEvents();
    while (pending > 0 && Date.now() < deadline) {
      await sleep(250);
      pending = await this.pendingEvents();
    }
    const drainSeconds = (performance.now() - started) / 1000;
    // Fresh statistics first: the checker's joins over a just-filled outbox were planned as
    // nested loops on stale estimates and ran past any sensible timeout.
    await sql`analyze`.execute(this.database.db);
    try {
      const result = await checkInvariants(this.database.db, { ...this.options, requireDelivered: true });
      const problems = result.violations.map((v) => `invariant ${v.invariant}: ${v.detail}`);
      if (pending > 0) problems.push(`${pending} events still pending after ${drainTimeoutSeconds} s`);
      return { ok: result.ok, problems, drainSeconds };
    } catch (error) {
      return { ok: false, problems: [`the checker failed: ${error instanceof Error ? error.message : String(error)}`], drainSeconds };
    }
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
