import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/*
 * The client side of a fault run: every write is sent with an Idempotency-Key and recorded
 * with what the service answered. A 2xx is an acknowledgement: the write must then be in the
 * database with exactly the acknowledged values, whatever happened afterwards. A definitive
 * refusal (a 4xx with a business code) must have changed nothing. Anything else (503, 409
 * IDEMPOTENCY_IN_PROGRESS, a dropped connection, a timeout) leaves the write pending: it is
 * retried with the same key, and may have happened at most once. `verify` checks all three
 * against the database; a 500, a 503 without Retry-After or a key refused as reused is a
 * violation the moment it is seen.
 */

interface LineIntent {
  productId: number;
  quantity: number;
}

export type Intent =
  | { kind: 'charge'; userId: number; amount: number }
  | { kind: 'order'; userId: number; items: LineIntent[]; userCouponId?: number }
  | { kind: 'coupon'; userId: number; couponId: number }
  | { kind: 'cancel'; userId: number; orderId: number }
  | { kind: 'refund'; orderId: number; items: LineIntent[] };

export type WriteKind = Intent['kind'];

export interface Write {
  seq: number;
  key: string;
  intent: Intent;
  outcome: 'pending' | 'acknowledged' | 'refused';
  attempts: number;
  /** What the last try got: `503 UNAVAILABLE`, `network`…, to say why a write is still pending. */
  lastAnswer?: string;
  /** The acknowledged (or refusing) answer: status and parsed body. */
  status?: number;
  body?: Record<string, unknown>;
}

export interface Credentials {
  userToken(userId: number): string;
  adminToken: string;
}

/** 409s and 503s that mean "not now", not "no". */
const TRANSIENT_CODES = new Set(['IDEMPOTENCY_IN_PROGRESS', 'UNAVAILABLE', 'RATE_LIMITED']);

export class WriteLedger {
  readonly writes: Write[] = [];
  /** Answers no fault may ever produce. */
  readonly violations: string[] = [];
  /** `<kind> <status>[ <code>]` or `<kind> network` → count, for the summary. */
  readonly answers = new Map<string, number>();

  constructor(
    private readonly credentials: Credentials,
    private readonly requestTimeoutMs = 10_000,
  ) {}

  add(intent: Intent): Write {
    const write: Write = { seq: this.writes.length + 1, key: randomUUID(), intent, outcome: 'pending', attempts: 0 };
    this.writes.push(write);
    return write;
  }

  pending(): Write[] {
    return this.writes.filter((w) => w.outcome === 'pending');
  }

  acknowledged(kind?: WriteKind): Write[] {
    return this.writes.filter((w) => w.outcome === 'acknowledged' && (kind === undefined || w.intent.kind === kind));
  }

  /** One try of a write against one instance; the outcome is recorded on the write. */
  async attempt(baseUrl: string, write: Write): Promise<void> {
    if (write.outcome !== 'pending') return;
    const { method, path, body, token } = this.request(write.intent);
    write.attempts += 1;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': write.key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      text = await response.text();
    } catch {
      this.count(`${write.intent.kind} network`);
      write.lastAnswer = 'network';
      return;
    }
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      this.violations.push(`${write.intent.kind} #${write.seq}: ${response.status} with a body that is not JSON: ${text.slice(0, 80)}`);
    }
    const code = typeof parsed.code === 'string' ? parsed.code : undefined;
    write.lastAnswer = `${response.status}${code ? ` ${code}` : ''}`;
    this.count(`${write.intent.kind} ${write.lastAnswer}`);
    if (response.status >= 200 && response.status < 300) {
      write.outcome = 'acknowledged';
      write.status = response.status;
      write.body = parsed;
      return;
    }
    if (response.status === 503) {
      if (!/^[0-9]+$/.test(response.headers.get('retry-after') ?? '')) this.violations.push(`${write.intent.kind} #${write.seq}: 503 without Retry-After`);
      return;
    }
    if (response.status >= 500) {
      this.violations.push(`${write.intent.kind} #${write.seq}: ${response.status} ${code ?? ''} ${text.slice(0, 120)}`);
      return;
    }
    if (code === 'IDEMPOTENCY_KEY_REUSED') {
      this.violations.push(`${write.intent.kind} #${write.seq}: its own retry was refused as a reused key`);
      return;
    }
    if (code !== undefined && TRANSIENT_CODES.has(code)) return;
    write.outcome = 'refused';
    write.status = response.status;
    write.body = parsed;
  }

  /**
   * Retries every pending write (same key) against the given instances in turn until each is
   * acknowledged or refused, or the deadline passes; answers how many are still pending.
   */
  async settle(baseUrls: () => string[], deadline: number, pauseMs = 250): Promise<number> {
    for (let round = 0; ; round++) {
      const pending = this.pending();
      if (pending.length === 0 || Date.now() > deadline) return pending.length;
      const urls = baseUrls();
      if (urls.length > 0) {
        await Promise.all(pending.map((write, i) => this.attempt(urls[(i + round) % urls.length]!, write)));
      }
      if (this.pending().length > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  private count(what: string): void {
    this.answers.set(what, (this.answers.get(what) ?? 0) + 1);
  }

  private request(intent: Intent): { method: string; path: string; body: unknown; token: string } {
    switch (intent.kind) {
      case 'charge':
        return { method: 'POST', path: `/users/${intent.userId}/balance/charge`, body: { amount: intent.amount }, token: this.credentials.userToken(intent.userId) };
      case 'order':
        return {
          method: 'POST',
          path: '/orders',
          body: { userId: intent.userId, items: intent.items, ...(intent.userCouponId !== undefined ? { userCouponId: intent.userCouponId } : {}) },
          token: this.credentials.userToken(intent.userId),
        };
      case 'coupon':
        return { method: 'POST', path: `/users/${intent.userId}/coupons`, body: { couponId: intent.couponId }, token: this.credentials.userToken(intent.userId) };
      case 'cancel':
        return { method: 'POST', path: `/orders/${intent.orderId}/cancel`, body: {}, token: this.credentials.userToken(intent.userId) };
      case 'refund':
        return { method: 'POST', path: `/admin/orders/${intent.orderId}/refunds`, body: { items: intent.items }, token: this.credentials.adminToken };
    }
  }
}

export interface LedgerVerdict {
  /** Acknowledged writes found in the database with their acknowledged values. */
  acknowledgedChecked: number;
  /** Refused and pending writes whose at-most-once bound was checked. */
  unacknowledgedChecked: number;
  violations: string[];
}

const countBy = <T>(items: T[], key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

/**
 * Checks the ledger against the database: every acknowledged write present with exactly the
 * acknowledged values, and each kind of write applied no more often than it was acknowledged
 * plus still pending (a refused write never applied). Charges are told apart by (user, amount):
 * a run gives each charge of a user its own amount.
 */
export async function verifyLedger(ledger: WriteLedger, client: pg.Client): Promise<LedgerVerdict> {
  const violations: string[] = [];
  let acknowledgedChecked = 0;
  let unacknowledgedChecked = 0;
  const writes = ledger.writes;

  // Charges.
  const charges = writes.filter((w): w is Write & { intent: Extract<Intent, { kind: 'charge' }> } => w.intent.kind === 'charge');
  if (charges.length > 0) {
    const { rows } = await client.query<{ id: string; user_id: string; amount: string; balance_after: string }>(
      `select id::text, user_id::text, amount::text, balance_after::text from balance_history
       where type = 'CHARGE' and (user_id, amount) in (select * from unnest($1::bigint[], $2::bigint[]))`,
      [charges.map((w) => w.intent.userId), charges.map((w) => w.intent.amount)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const applied = countBy(rows, (r) => `${r.user_id}/${r.amount}`);
    for (const write of charges) {
      if (write.outcome !== 'acknowledged') continue;
      acknowledgedChecked += 1;
      const row = byId.get(String(write.body?.transactionId));
      if (!row) violations.push(`charge #${write.seq} acknowledged as transaction ${String(write.body?.transactionId)}, which is not in the history`);
      else if (Number(row.user_id) !== write.intent.userId || Number(row.amount) !== write.intent.amount || Number(row.balance_after) !== write.body?.balance) {
        violations.push(`charge #${write.seq}: acknowledged ${JSON.stringify(write.body)}, stored ${JSON.stringify(row)}`);
      }
    }
    for (const [pair, group] of groupBy(charges, (w) => `${w.intent.userId}/${w.intent.amount}`)) {
      unacknowledgedChecked += group.filter((w) => w.outcome !== 'acknowledged').length;
      checkBounds(`charges of user/amount ${pair}`, applied.get(pair) ?? 0, group, violations);
    }
  }

  // Orders.
  const orders = writes.filter((w): w is Write & { intent: Extract<Intent, { kind: 'order' }> } => w.intent.kind === 'order');
  if (orders.length > 0) {
    const { rows } = await client.query<{ id: string; user_id: string; total_amount: string; discount_amount: string; paid_amount: string; user_coupon_id: string | null; lines: { product_id: number; quantity: number; amount: number }[] }>(
      `select o.id::text, o.user_id::text, o.total_amount::text, o.discount_amount::text, o.paid_amount::text, o.user_coupon_id::text,
              (select json_agg(json_build_object('product_id', l.product_id, 'quantity', l.quantity, 'amount', l.amount) order by l.product_id)
                 from order_lines l where l.order_id = o.id) as lines
       from orders o where o.user_id = any($1::bigint[])`,
      [[...new Set(orders.map((w) => w.intent.userId))]],
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const write of orders) {
      if (write.outcome !== 'acknowledged') continue;
      acknowledgedChecked += 1;
      const body = write.body as { orderId: number; userId: number; totalAmount: number; discountAmount: number; paidAmount: number; userCouponId: number | null; items: { productId: number; quantity: number; amount: number }[] };
      const row = byId.get(body.orderId);
      if (!row) {
        violations.push(`order #${write.seq} acknowledged as order ${body.orderId}, which is not in the database`);
        continue;
      }
      const stored = {
        userId: Number(row.user_id),
        totalAmount: Number(row.total_amount),
        discountAmount: Number(row.discount_amount),
        paidAmount: Number(row.paid_amount),
        userCouponId: row.user_coupon_id === null ? null : Number(row.user_coupon_id),
        lines: row.lines.map((l) => `${l.product_id}×${l.quantity}=${l.amount}`).join(','),
      };
      const acknowledged = {
        userId: body.userId,
        totalAmount: body.totalAmount,
        discountAmount: body.discountAmount,
        paidAmount: body.paidAmount,
        userCouponId: body.userCouponId ?? null,
        lines: [...body.items].sort((a, b) => a.productId - b.productId).map((l) => `${l.productId}×${l.quantity}=${l.amount}`).join(','),
      };
      const asked = [...write.intent.items].sort((a, b) => a.productId - b.productId).map((l) => `${l.productId}×${l.quantity}`).join(',');
      if (JSON.stringify(stored) !== JSON.stringify(acknowledged) || acknowledged.userId !== write.intent.userId || acknowledged.lines.replace(/=\d+/g, '') !== asked) {
        violations.push(`order #${write.seq}: acknowledged ${JSON.stringify(acknowledged)}, stored ${JSON.stringify(stored)}`);
      }
    }
    const applied = countBy(rows, (r) => r.user_id);
    for (const [userId, group] of groupBy(orders, (w) => String(w.intent.userId))) {
      unacknowledgedChecked += group.filter((w) => w.outcome !== 'acknowledged').length;
      checkBounds(`orders of user ${userId}`, applied.get(userId) ?? 0, group, violations);
    }
  }

  // Coupon issues.
  const issues = writes.filter((w): w is Write & { intent: Extract<Intent, { kind: 'coupon' }> } => w.intent.kind === 'coupon');
  if (issues.length > 0) {
    const { rows } = await client.query<{ id: string; user_id: string; coupon_id: string }>(
      `select id::text, user_id::text, coupon_id::text from user_coupons where (user_id, coupon_id) in (select * from unnest($1::bigint[], $2::bigint[]))`,
      [issues.map((w) => w.intent.userId), issues.map((w) => w.intent.couponId)],
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const write of issues) {
      if (write.outcome !== 'acknowledged') continue;
      acknowledgedChecked += 1;
      const row = byId.get(Number(write.body?.userCouponId));
      if (!row || Number(row.user_id) !== write.intent.userId || Number(row.coupon_id) !== write.intent.couponId) {
        violations.push(`coupon issue #${write.seq}: acknowledged ${JSON.stringify(write.body)}, stored ${JSON.stringify(row ?? null)}`);
      }
    }
    const applied = countBy(rows, (r) => `${r.user_id}/${r.coupon_id}`);
    for (const [pair, group] of groupBy(issues, (w) => `${w.intent.userId}/${w.intent.couponId}`)) {
      unacknowledgedChecked += group.filter((w) => w.outcome !== 'acknowledged').length;
      // A second issue of the same coupon to the same user is refused (409), never applied.
      checkBounds(`coupon issues of user/coupon ${pair}`, applied.get(pair) ?? 0, group, violations, 1);
    }
  }

  const lifecycle = await verifyLifecycle(ledger, client, violations);
  acknowledgedChecked += lifecycle.acknowledged;
  unacknowledgedChecked += lifecycle.unacknowledged;
  return { acknowledgedChecked, unacknowledgedChecked, violations };
}

/**
 * Cancellations: an acknowledged one left its order CANCELLED, a refused one cancelled nothing.
 * Refunds: each acknowledged one stored with its amount, none applied twice.
 */
async function verifyLifecycle(ledger: WriteLedger, client: pg.Client, violations: string[]): Promise<{ acknowledged: number; unacknowledged: number }> {
  let acknowledged = 0;
  let unacknowledged = 0;
  const cancels = ledger.writes.filter((w): w is Write & { intent: Extract<Intent, { kind: 'cancel' }> } => w.intent.kind === 'cancel');
  if (cancels.length > 0) {
    const { rows } = await client.query<{ id: string; status: string }>(`select id::text, status from orders where id = any($1::bigint[])`, [
      cancels.map((w) => w.intent.orderId),
    ]);
    const status = new Map(rows.map((r) => [Number(r.id), r.status]));
    for (const write of cancels) {
      if (write.outcome === 'acknowledged') {
        acknowledged += 1;
        if (status.get(write.intent.orderId) !== 'CANCELLED' || write.body?.status !== 'CANCELLED') {
          violations.push(`cancel #${write.seq} of order ${write.intent.orderId} acknowledged, but the order is ${status.get(write.intent.orderId) ?? 'missing'}`);
        }
      } else {
        unacknowledged += 1;
        // A refused cancel (ORDER_NOT_CANCELLABLE) may meet an order already cancelled by an
        // earlier acknowledged or pending one, but never cancels it itself.
        const someoneElse = cancels.some((other) => other !== write && other.intent.orderId === write.intent.orderId && other.outcome !== 'refused');
        if (write.outcome === 'refused' && status.get(write.intent.orderId) === 'CANCELLED' && !someoneElse) {
          violations.push(`cancel #${write.seq} of order ${write.intent.orderId} was refused (${String(write.body?.code)}), yet the order is CANCELLED`);
        }
      }
    }
  }
  const refunds = ledger.writes.filter((w): w is Write & { intent: Extract<Intent, { kind: 'refund' }> } => w.intent.kind === 'refund');
  if (refunds.length > 0) {
    const { rows } = await client.query<{ id: string; order_id: string; amount: string }>(
      `select id::text, order_id::text, amount::text from refunds where order_id = any($1::bigint[])`,
      [refunds.map((w) => w.intent.orderId)],
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const write of refunds) {
      if (write.outcome !== 'acknowledged') continue;
      acknowledged += 1;
      const row = byId.get(Number(write.body?.refundId));
      if (!row || Number(row.order_id) !== write.intent.orderId || Number(row.amount) !== write.body?.amount) {
        violations.push(`refund #${write.seq}: acknowledged ${JSON.stringify(write.body)}, stored ${JSON.stringify(row ?? null)}`);
      }
    }
    const applied = countBy(rows, (r) => r.order_id);
    for (const [orderId, group] of groupBy(refunds, (w) => String(w.intent.orderId))) {
      unacknowledged += group.filter((w) => w.outcome !== 'acknowledged').length;
      checkBounds(`refunds of order ${orderId}`, applied.get(orderId) ?? 0, group, violations);
    }
  }
  return { acknowledged, unacknowledged };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** acknowledged ≤ applied ≤ acknowledged + pending (and ≤ `cap`): nothing lost, nothing twice. */
function checkBounds(what: string, applied: number, group: Write[], violations: string[], cap = Infinity): void {
  const acknowledged = group.filter((w) => w.outcome === 'acknowledged').length;
  const pending = group.filter((w) => w.outcome === 'pending').length;
  const most = Math.min(cap, acknowledged + pending);
  if (applied < acknowledged || applied > most) {
    violations.push(`${what}: applied ${applied} times, but ${acknowledged} acknowledged and ${pending} pending (${group.length - acknowledged - pending} refused)`);
  }
}
