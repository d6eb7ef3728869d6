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

/** V8's own setting of how many frames an Error captures; absent on other engines. */
const engineErrors = Error as { stackTraceLimit?: number };

/**
 * An expected failure of a business rule: a stable code, a message, and optional details.
 *
 * It carries no stack trace. It is an answer (a 4xx), not a bug, and nothing reads its stack;
 * V8 captures one in Error's constructor all the same, and in a flash sale's profile, with
 * thousands of OUT_OF_STOCK refusals, building these errors took 5.7 % of the service's CPU.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) {
    const limit = engineErrors.stackTraceLimit;
    engineErrors.stackTraceLimit = 0;
    super(message);
    engineErrors.stackTraceLimit = limit;
    this.code = code;
    this.details = details;
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export function invalid(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, message, details);
}
