import { ErrorCode } from '@storefront/domain';

/**
 * The codes only the HTTP edge produces (authentication, transport, idempotency). Business codes
 * come from the domain's ErrorCode; together they are every `code` a client can receive.
 */
export const HttpErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  IdempotencyInProgress: 'IDEMPOTENCY_IN_PROGRESS',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
  RateLimited: 'RATE_LIMITED',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
} as const;

export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];
export type ApiErrorCode = ErrorCode | HttpErrorCode;

/** The one table from error code to HTTP status. `satisfies` makes a missing code a compile error. */
export const statusOfCode = {
  [ErrorCode.ValidationFailed]: 400,
  [HttpErrorCode.Unauthenticated]: 401,
  [HttpErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.ProductNotFound]: 404,
  [ErrorCode.CouponNotFound]: 404,
  [ErrorCode.OrderNotFound]: 404,
  [ErrorCode.BalanceLimitExceeded]: 409,
  [ErrorCode.CouponSoldOut]: 409,
  [ErrorCode.CouponAlreadyIssued]: 409,
  [ErrorCode.CouponExpired]: 409,
  [ErrorCode.CouponNotUsable]: 409,
  [ErrorCode.OutOfStock]: 409,
  [ErrorCode.InsufficientBalance]: 409,
  [ErrorCode.OutboxEventNotFailed]: 409,
  [ErrorCode.OrderNotCancellable]: 409,
  [ErrorCode.OrderNotRefundable]: 409,
  [ErrorCode.RefundExceedsOrder]: 409,
  [HttpErrorCode.IdempotencyInProgress]: 409,
  [HttpErrorCode.IdempotencyKeyReused]: 422,
  [HttpErrorCode.PayloadTooLarge]: 413,
  [HttpErrorCode.UnsupportedMediaType]: 415,
  [HttpErrorCode.Unavailable]: 503,
  [HttpErrorCode.Internal]: 500,
  [HttpErrorCode.RateLimited]: 429,
  [HttpErrorCode.MethodNotAllowed]: 405,
} as const satisfies Record<ApiErrorCode, number>;

/** Short human titles, one per code (RFC 9457 `title`: the same for every occurrence). */
const titleOfCode: Record<ApiErrorCode, string> = {
  [ErrorCode.ValidationFailed]: 'The request is not valid',
  [HttpErrorCode.Unauthenticated]: 'Authentication is required',
  [HttpErrorCode.Forbidden]: 'Not allowed',
  [ErrorCode.NotFound]: 'Not found',
  [ErrorCode.ProductNotFound]: 'Product not found',
  [ErrorCode.CouponNotFound]: 'Coupon not found',
  [ErrorCode.OrderNotFound]: 'Order not found',
  [ErrorCode.BalanceLimitExceeded]: 'Balance limit exceeded',
  [ErrorCode.CouponSoldOut]: 'Coupon sold out',
  [ErrorCode.CouponAlreadyIssued]: 'Coupon already issued',
  [ErrorCode.CouponExpired]: 'Coupon expired',
  [ErrorCode.CouponNotUsable]: 'Coupon not usable',
  [ErrorCode.OutOfStock]: 'Out of stock',
  [ErrorCode.InsufficientBalance]: 'Insufficient balance',
  [ErrorCode.OutboxEventNotFailed]: 'Outbox event is not failed',
  [ErrorCode.OrderNotCancellable]: 'Order cannot be cancelled',
  [ErrorCode.OrderNotRefundable]: 'Order cannot be refunded',
  [ErrorCode.RefundExceedsOrder]: 'Refund exceeds the order',
  [HttpErrorCode.IdempotencyInProgress]: 'A request with this idempotency key is in progress',
  [HttpErrorCode.IdempotencyKeyReused]: 'Idempotency key reused with another request',
  [HttpErrorCode.PayloadTooLarge]: 'Payload too large',
  [HttpErrorCode.UnsupportedMediaType]: 'Unsupported media type',
  [HttpErrorCode.Unavailable]: 'Service unavailable',
  [HttpErrorCode.Internal]: 'Internal server error',
  [HttpErrorCode.RateLimited]: 'Too many requests',
  [HttpErrorCode.MethodNotAllowed]: 'Method not allowed',
};

export const ALL_ERROR_CODES = Object.keys(statusOfCode) as ApiErrorCode[];

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ApiErrorCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A failure decided at the HTTP edge (auth, idempotency, transport); the error handler renders it. */
export class HttpProblem extends Error {
  constructor(
    readonly code: HttpErrorCode | typeof ErrorCode.ValidationFailed | typeof ErrorCode.NotFound,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

/** Extension members a domain error may add (e.g. `productId` of OUT_OF_STOCK); never overrides the core members. */
const RESERVED = new Set(['type', 'title', 'status', 'detail', 'code', 'errors']);

export function problem(
  code: ApiErrorCode,
  detail: string,
  extra?: { errors?: FieldError[]; details?: Readonly<Record<string, unknown>> },
): ProblemDetails {
  const body: ProblemDetails = {
    type: `https://storefront.example/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: titleOfCode[code],
    status: statusOfCode[code],
    detail,
    code,
  };
  if (extra?.details) {
    for (const [key, value] of Object.entries(extra.details)) if (!RESERVED.has(key)) body[key] = value;
  }
  if (extra?.errors) body.errors = extra.errors;
  return body;
}
