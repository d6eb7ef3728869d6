import type {
  BalanceHistoryEntryView,
  BalanceView,
  CouponView,
  OrderView,
  FeedEvent,
  OutboxEventDetail,
  OutboxEventView,
  Page,
  RefundView,
  UserCouponView,
} from '@storefront/application';
import type { CursorCodec } from './cursor';

/* Use-case views → JSON answers: dates become ISO-8601 strings, keyset keys opaque cursors. */

export const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function pageAnswer<T, U>(page: Page<T>, cursors: CursorCodec, present: (item: T) => U): { items: U[]; nextCursor: string | null } {
  return { items: page.items.map(present), nextCursor: cursors.encode(page.nextAfter) };
}

export const presentBalance = (v: BalanceView) => ({ userId: v.userId, balance: v.balance, updatedAt: iso(v.updatedAt) });

export const presentHistoryEntry = (v: BalanceHistoryEntryView) => ({
  transactionId: v.transactionId,
  type: v.type,
  amount: v.amount,
  balanceAfter: v.balanceAfter,
  orderId: v.orderId,
  createdAt: iso(v.createdAt),
});

export const presentCoupon = (v: CouponView) => ({
  id: v.id,
  name: v.name,
  discountType: v.discountType,
  discountValue: v.discountValue,
  totalQuantity: v.totalQuantity,
  remainingQuantity: v.remainingQuantity,
  expiresAt: iso(v.expiresAt),
});

export const presentUserCoupon = (v: UserCouponView) => ({
  userCouponId: v.userCouponId,
  couponId: v.couponId,
  userId: v.userId,
  status: v.status,
  issuedAt: iso(v.issuedAt),
  expiresAt: iso(v.expiresAt),
});

export const presentRefund = (v: RefundView) => ({
  refundId: v.refundId,
  orderId: v.orderId,
  items: v.items.map((i) => ({ productId: i.productId, quantity: i.quantity, amount: i.amount })),
  amount: v.amount,
  restocked: v.restocked,
  reason: v.reason,
  createdAt: iso(v.createdAt),
});

export const presentOrder = (v: OrderView) => ({
  orderId: v.orderId,
  userId: v.userId,
  status: v.status,
  items: v.items.map((i) => ({
    productId: i.productId,
    name: i.name,
    unitPrice: i.unitPrice,
    quantity: i.quantity,
    amount: i.amount,
    paidAmount: i.paidAmount,
    refundedQuantity: i.refundedQuantity,
  })),
  totalAmount: v.totalAmount,
  discountAmount: v.discountAmount,
  paidAmount: v.paidAmount,
  refundedAmount: v.refundedAmount,
  userCouponId: v.userCouponId,
  refunds: v.refunds.map(presentRefund),
  createdAt: iso(v.createdAt),
  cancelledAt: isoOrNull(v.cancelledAt),
});

export const presentOutboxEvent = (v: OutboxEventView) => ({
  eventId: v.eventId,
  type: v.type,
  status: v.status,
  attempts: v.attempts,
  nextAttemptAt: isoOrNull(v.nextAttemptAt),
  lastError: v.lastError,
  createdAt: iso(v.createdAt),
  deliveredAt: isoOrNull(v.deliveredAt),
});

/* The envelope is already JSON data (what the data platform receives): served as it is. */

export const presentFeedEvent = (v: FeedEvent) => ({
  ...v.envelope,
  status: v.status,
  attempts: v.attempts,
  deliveredAt: isoOrNull(v.deliveredAt),
});

export const presentEventDetail = (v: OutboxEventDetail) => ({
  ...v.envelope,
  status: v.status,
  attempts: v.attempts.map((a) => ({ at: iso(a.at), outcome: a.outcome, httpStatus: a.httpStatus, durationMs: a.durationMs, error: a.error })),
  nextAttemptAt: isoOrNull(v.nextAttemptAt),
  lastError: v.lastError,
  createdAt: iso(v.createdAt),
  deliveredAt: isoOrNull(v.deliveredAt),
});
