import type { OrderPrimitives } from '@storefront/domain';
import type { InMemorySnapshot } from '../in-memory/state';
import { DEFAULT_MAX_BALANCE } from './builders';
import type { InvariantFinding } from '../ports/invariant-audit.port';

export interface InvariantOptions {
  maxBalance?: number;
  /** Stock each product started with, to check initial − Σ sold = current. */
  initialStock?: ReadonlyMap<number, number>;
}

/**
 * The invariants of docs/architecture.md checked over a snapshot of the in-memory store; answers every
 * violation found (an empty list when all hold), so a failing test says which one broke.
 */
export function invariantViolations(snapshot: InMemorySnapshot, options: InvariantOptions = {}): string[] {
  return invariantFindings(snapshot, options).map((finding) => finding.detail);
}

/** The same checks as `invariantViolations`, each violation with its invariant and subject (`user 3`). */
export function invariantFindings(snapshot: InMemorySnapshot, options: InvariantOptions = {}): InvariantFinding[] {
  const maxBalance = options.maxBalance ?? DEFAULT_MAX_BALANCE;
  const findings: InvariantFinding[] = [];
  const report = (invariant: number, detail: string): void => {
    findings.push({ invariant, subject: detail.includes(':') ? detail.slice(0, detail.indexOf(':')) : 'outbox', detail });
  };

  // 1. balance = Σ charges + Σ refunds − Σ payments; 0 ≤ balance; only refunds may pass the ceiling.
  for (const wallet of snapshot.wallets) {
    const entries = snapshot.balanceHistory.filter((e) => e.userId === wallet.userId);
    const net = entries.reduce((sum, e) => sum + (e.type === 'PAYMENT' ? -e.amount : e.amount), 0);
    if (net !== wallet.balance) report(1, `user ${wallet.userId}: balance ${wallet.balance} ≠ Σ history ${net}`);
    if (wallet.balance < 0) report(1, `user ${wallet.userId}: negative balance ${wallet.balance}`);
    for (const charge of entries.filter((e) => e.type === 'CHARGE' && e.balanceAfter > maxBalance)) {
      report(1, `user ${wallet.userId}: charge ${charge.transactionId} took the balance to ${charge.balanceAfter}, above ${maxBalance}`);
    }
    const last = entries[entries.length - 1];
    if (last && last.balanceAfter !== wallet.balance) report(1, `user ${wallet.userId}: last history balanceAfter ${last.balanceAfter} ≠ balance`);
  }

  // 2. initial stock − Σ units sold + Σ units restocked = current stock ≥ 0.
  for (const product of snapshot.products) {
    if (product.stock < 0) report(2, `product ${product.id}: negative stock ${product.stock}`);
    const initial = options.initialStock?.get(product.id);
    if (initial !== undefined) {
      const sold = snapshot.orders.flatMap((o) => o.lines).filter((l) => l.productId === product.id).reduce((sum, l) => sum + l.quantity, 0);
      const restocked = snapshot.orders.reduce((sum, o) => sum + restockedUnits(o, product.id), 0);
      if (initial - sold + restocked !== product.stock) {
        report(2, `product ${product.id}: ${initial} − ${sold} sold + ${restocked} restocked ≠ stock ${product.stock}`);
      }
    }
  }

  // 3. issued ≤ total and = total − remaining; one per (user, coupon); a coupon pays at most one
  //    order that is not cancelled, and is used exactly while it does.
  for (const coupon of snapshot.coupons) {
    const issued = snapshot.userCoupons.filter((uc) => uc.couponId === coupon.id);
    if (issued.length > coupon.totalQuantity) report(3, `coupon ${coupon.id}: ${issued.length} issued > total ${coupon.totalQuantity}`);
    if (issued.length !== coupon.totalQuantity - coupon.remainingQuantity) {
      report(3, `coupon ${coupon.id}: ${issued.length} issued ≠ total − remaining ${coupon.totalQuantity - coupon.remainingQuantity}`);
    }
    if (new Set(issued.map((uc) => uc.userId)).size !== issued.length) report(3, `coupon ${coupon.id}: a user holds two copies`);
  }
  for (const userCoupon of snapshot.userCoupons) {
    const paying = snapshot.orders.filter((o) => o.userCouponId === userCoupon.id && o.status !== 'CANCELLED');
    if (paying.length > 1) report(3, `user coupon ${userCoupon.id}: pays ${paying.length} orders`);
    if ((paying.length === 1) !== (userCoupon.usedAt !== null) || (paying[0]?.id ?? null) !== userCoupon.orderId) {
      report(3, `user coupon ${userCoupon.id}: used state disagrees with orders`);
    }
  }

  // 4. shares add up to paid; refunds at most paid (exactly once REFUNDED or CANCELLED), per
  //    line at most its share; the status matches the refunds; money back = REFUND rows.
  for (const order of snapshot.orders) for (const detail of orderViolations(order, snapshot)) report(4, detail);

  // 5. every change of an order's state has exactly one event, and every event an order.
  for (const order of snapshot.orders) {
    const count = (type: string) => snapshot.outbox.filter((e) => e.type === type && (e.data as { orderId?: unknown }).orderId === order.id).length;
    const expected = { 'order.paid': 1, 'order.cancelled': order.status === 'CANCELLED' ? 1 : 0, 'order.refunded': order.refunds.length };
    for (const [type, n] of Object.entries(expected)) {
      if (count(type) !== n) report(5, `order ${order.id}: ${count(type)} ${type} events, expected ${n}`);
    }
  }
  const orderIds = new Set(snapshot.orders.map((o) => o.id));
  if (snapshot.outbox.some((e) => !orderIds.has((e.data as { orderId?: number }).orderId ?? 0))) report(5, 'an outbox event reports no order');

  return findings;
}

/** Units of a product an order put back into stock: all of them if cancelled, else its restocked refunds. */
function restockedUnits(order: OrderPrimitives, productId: number): number {
  if (order.status === 'CANCELLED') return order.lines.find((l) => l.productId === productId)?.quantity ?? 0;
  return order.refunds
    .filter((r) => r.restocked)
    .flatMap((r) => r.lines)
    .filter((l) => l.productId === productId)
    .reduce((sum, l) => sum + l.quantity, 0);
}

function orderViolations(order: OrderPrimitives, snapshot: InMemorySnapshot): string[] {
  const violations: string[] = [];
  const id = `order ${order.id}`;
  const shares = order.lines.reduce((sum, l) => sum + l.paidAmount, 0);
  if (shares !== order.paidAmount) violations.push(`${id}: line shares ${shares} ≠ paid ${order.paidAmount}`);

  const cancelled = order.status === 'CANCELLED';
  const refunded = order.refunds.reduce((sum, r) => sum + r.amount, 0);
  const back = cancelled ? order.paidAmount : refunded;
  if (cancelled && order.refunds.length > 0) violations.push(`${id}: cancelled with refunds`);
  if (back !== order.refundedAmount) violations.push(`${id}: refundedAmount ${order.refundedAmount} ≠ money back ${back}`);
  if (back > order.paidAmount) violations.push(`${id}: ${back} given back > paid ${order.paidAmount}`);
  for (const line of order.lines) {
    const refundLines = order.refunds.flatMap((r) => r.lines).filter((l) => l.productId === line.productId);
    const units = cancelled ? line.quantity : refundLines.reduce((sum, l) => sum + l.quantity, 0);
    const amount = refundLines.reduce((sum, l) => sum + l.amount, 0);
    if (units !== line.refundedQuantity || units > line.quantity) violations.push(`${id}, product ${line.productId}: refunded ${units} ≠ ${line.refundedQuantity} of ${line.quantity}`);
    if (amount > line.paidAmount) violations.push(`${id}, product ${line.productId}: refunds ${amount} > share ${line.paidAmount}`);
    if (!cancelled && units === line.quantity && amount !== line.paidAmount) violations.push(`${id}, product ${line.productId}: fully refunded for ${amount} ≠ share ${line.paidAmount}`);
  }
  const allBack = order.lines.every((l) => l.refundedQuantity === l.quantity);
  const expected = cancelled ? 'CANCELLED' : allBack ? 'REFUNDED' : order.refunds.length > 0 ? 'PARTIALLY_REFUNDED' : 'PAID';
  if (order.status !== expected) violations.push(`${id}: status ${order.status}, its refunds say ${expected}`);
  if (cancelled !== (order.cancelledAt !== null)) violations.push(`${id}: status ${order.status} with cancelledAt ${String(order.cancelledAt)}`);

  const history = snapshot.balanceHistory.filter((e) => e.orderId === order.id);
  const payments = history.filter((e) => e.type === 'PAYMENT');
  const credits = history.filter((e) => e.type === 'REFUND');
  if (payments.length !== 1 || payments[0]?.amount !== order.paidAmount) violations.push(`${id}: ${payments.length} PAYMENT rows for ${order.paidAmount}`);
  const expectedCredits = cancelled ? 1 : order.refunds.length;
  const credited = credits.reduce((sum, e) => sum + e.amount, 0);
  if (credits.length !== expectedCredits || credited !== back) violations.push(`${id}: ${credits.length} REFUND rows for ${credited}, expected ${expectedCredits} for ${back}`);
  if (history.some((e) => e.userId !== order.userId)) violations.push(`${id}: history rows of another user`);
  return violations;
}
