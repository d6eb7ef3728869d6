import type { BalanceChangeType, DiscountType, OrderLine, OrderStatus, RefundLine, UserCouponStatus } from '@storefront/domain';

/** What the use cases answer with: plain data shaped like the API's answers, dates as Date. */

export interface BalanceView {
  userId: number;
  balance: number;
  updatedAt: Date;
}

export interface BalanceHistoryEntryView {
  transactionId: string;
  type: BalanceChangeType;
  amount: number;
  balanceAfter: number;
  orderId: number | null;
  createdAt: Date;
}

export interface ProductView {
  id: number;
  name: string;
  price: number;
  stock: number;
}

export interface CouponView {
  id: number;
  name: string;
  discountType: DiscountType;
  discountValue: number;
  totalQuantity: number;
  remainingQuantity: number;
  expiresAt: Date;
}

export interface UserCouponView {
  userCouponId: number;
  couponId: number;
  userId: number;
  status: UserCouponStatus;
  issuedAt: Date;
  expiresAt: Date;
}

export interface RefundView {
  refundId: number;
  orderId: number;
  items: RefundLine[];
  amount: number;
  restocked: boolean;
  reason: string | null;
  createdAt: Date;
}

export interface OrderView {
  orderId: number;
  userId: number;
  status: OrderStatus;
  items: OrderLine[];
  totalAmount: number;
  discountAmount: number;
  paidAmount: number;
  refundedAmount: number;
  userCouponId: number | null;
  /** Oldest first. */
  refunds: RefundView[];
  createdAt: Date;
  cancelledAt: Date | null;
}

export interface DailyProductSales {
  /** Business day, YYYY-MM-DD. */
  day: string;
  productId: number;
  quantity: number;
  revenue: number;
}

export interface TopProductView {
  rank: number;
  productId: number;
  name: string;
  price: number;
  soldQuantity: number;
  revenue: number;
}

export type OutboxStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface OutboxEventView {
  eventId: string;
  type: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

