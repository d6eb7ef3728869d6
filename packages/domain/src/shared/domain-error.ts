/**
 * The stable codes of expected business failures. The HTTP layer maps each to a status in one
 * table; nothing else spells these strings.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  NotFound: 'NOT_FOUND',
  ProductNotFound: 'PRODUCT_NOT_FOUND',
  CouponNotFound: 'COUPON_NOT_FOUND',
  OrderNotFound: 'ORDER_NOT_FOUND',
  BalanceLimitExceeded: 'BALANCE_LIMIT_EXCEEDED',
  InsufficientBalance: 'INSUFFICIENT_BALANCE',
  OutOfStock: 'OUT_OF_STOCK',
  CouponSoldOut: 'COUPON_SOLD_OUT',
  CouponAlreadyIssued: 'COUPON_ALREADY_ISSUED',
  CouponExpired: 'COUPON_EXPIRED',
  CouponNotUsable: 'COUPON_NOT_USABLE',
  OutboxEventNotFailed: 'OUTBOX_EVENT_NOT_FAILED',
  OrderNotCancellable: 'ORDER_NOT_CANCELLABLE',
  OrderNotRefundable: 'ORDER_NOT_REFUNDABLE',
  RefundExceedsOrder: 'REFUND_EXCEEDS_ORDER',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An expected failure of a business rule: a stable code, a message, and optional details. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export function invalid(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, message, details);
}
