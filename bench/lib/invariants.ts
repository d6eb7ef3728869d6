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
