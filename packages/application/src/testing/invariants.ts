import type { InMemorySnapshot } from '../in-memory/state';
import type { InvariantFinding } from '../ports/invariant-audit.port';
import { DEFAULT_MAX_BALANCE } from './builders';

export interface InvariantOptions {
  maxBalance?: number;
  /** Stock each product started with, to check initial − Σ sold = current. */
  initialStock?: ReadonlyMap<number, number>;
}

/**
 * The invariants of DESIGN.md checked over a snapshot of the in-memory store; answers every
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

  // 1. balance = Σ charges − Σ payments, and 0 ≤ balance ≤ max.
  for (const wallet of snapshot.wallets) {
    const entries = snapshot.balanceHistory.filter((e) => e.userId === wallet.userId);
    const net = entries.reduce((sum, e) => sum + (e.type === 'CHARGE' ? e.amount : -e.amount), 0);
    if (net !== wallet.balance) report(1, `user ${wallet.userId}: balance ${wallet.balance} ≠ Σ history ${net}`);
    if (wallet.balance < 0 || wallet.balance > maxBalance) report(1, `user ${wallet.userId}: balance ${wallet.balance} out of range`);
    const last = entries[entries.length - 1];
    if (last && last.balanceAfter !== wallet.balance) report(1, `user ${wallet.userId}: last history balanceAfter ${last.balanceAfter} ≠ balance`);
  }

  // 2. initial stock − Σ quantities in paid orders = current stock ≥ 0.
  for (const product of snapshot.products) {
    if (product.stock < 0) report(2, `product ${product.id}: negative stock ${product.stock}`);
    const initial = options.initialStock?.get(product.id);
    if (initial !== undefined) {
      const sold = snapshot.orders.flatMap((o) => o.lines).filter((l) => l.productId === product.id).reduce((sum, l) => sum + l.quantity, 0);
      if (initial - sold !== product.stock) report(2, `product ${product.id}: ${initial} − ${sold} sold ≠ stock ${product.stock}`);
    }
  }

  // 3. issued ≤ total and = total − remaining; one per (user, coupon); a coupon pays one order.
  for (const coupon of snapshot.coupons) {
    const issued = snapshot.userCoupons.filter((uc) => uc.couponId === coupon.id);
    if (issued.length > coupon.totalQuantity) report(3, `coupon ${coupon.id}: ${issued.length} issued > total ${coupon.totalQuantity}`);
    if (issued.length !== coupon.totalQuantity - coupon.remainingQuantity) {
      report(3, `coupon ${coupon.id}: ${issued.length} issued ≠ total − remaining ${coupon.totalQuantity - coupon.remainingQuantity}`);
    }
    if (new Set(issued.map((uc) => uc.userId)).size !== issued.length) report(3, `coupon ${coupon.id}: a user holds two copies`);
  }
  for (const userCoupon of snapshot.userCoupons) {
    const paying = snapshot.orders.filter((o) => o.userCouponId === userCoupon.id);
    if (paying.length > 1) report(3, `user coupon ${userCoupon.id}: pays ${paying.length} orders`);
    if ((paying.length === 1) !== (userCoupon.usedAt !== null)) report(3, `user coupon ${userCoupon.id}: used state disagrees with orders`);
  }

  // 4. every paid order has exactly one order.paid event, and every event an order.
  const eventOrderIds = snapshot.outbox.map((e) => (e.data as { orderId?: unknown }).orderId);
  for (const order of snapshot.orders) {
    const events = eventOrderIds.filter((id) => id === order.id).length;
    if (events !== 1) report(4, `order ${order.id}: ${events} order.paid events`);
  }
  if (eventOrderIds.some((id) => !snapshot.orders.some((o) => o.id === id))) report(4, 'an outbox event reports no order');

  return findings;
}
