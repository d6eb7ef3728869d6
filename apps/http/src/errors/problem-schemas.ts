import { z } from 'zod';
import { problem, type ApiErrorCode, type FieldError, type ProblemDetails } from './problem';

/*
 * The body of every error code as a schema of its own: `code`, `type` and `status` are constants
 * (so a 409 carrying VALIDATION_FAILED breaks the contract), and the extension members the
 * domain error adds (OUT_OF_STOCK's `productId` and `available`, ...) are declared, not
 * forbidden. The OpenAPI document and the conformance test both read these schemas.
 */

const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const won = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const fieldError = z.object({
  path: z.string().meta({ description: 'Where the problem is: `items.0.quantity` in the body, or the parameter or header name' }),
  message: z.string(),
});

/**
 * The extension members of each code, as the domain errors' `details` carry them. `satisfies`
 * makes a new code without an entry here a compile error; a detail the table does not declare
 * fails the conformance test (the schemas admit no other member).
 */
const extensionsOfCode = {
  VALIDATION_FAILED: { errors: z.array(fieldError).optional().meta({ description: 'One entry per invalid field (absent when the body is not JSON at all)' }) },
  UNAUTHENTICATED: {},
  FORBIDDEN: {},
  NOT_FOUND: { eventId: z.string().optional().meta({ description: 'The outbox event asked for (absent for an unknown route)' }) },
  PRODUCT_NOT_FOUND: { productId: id },
  COUPON_NOT_FOUND: { couponId: id },
  ORDER_NOT_FOUND: { orderId: id },
  BALANCE_LIMIT_EXCEEDED: {
    balance: won.meta({ description: 'The balance before the refused charge' }),
    maxBalance: won.meta({ description: 'The ceiling (MAX_BALANCE)' }),
  },
  INSUFFICIENT_BALANCE: {
    balance: won.meta({ description: 'The balance before the refused payment' }),
    required: won.meta({ description: 'What the order would have cost after its discount' }),
  },
  OUT_OF_STOCK: {
    productId: id.meta({ description: 'The first product, in ascending id, that is short' }),
    available: won.optional().meta({ description: 'Units in stock when the order was refused (absent when another order took the last units meanwhile)' }),
  },
  COUPON_SOLD_OUT: { couponId: id },
  COUPON_ALREADY_ISSUED: { couponId: id, userId: id },
  COUPON_EXPIRED: { couponId: id },
  COUPON_NOT_USABLE: { userCouponId: id },
  OUTBOX_EVENT_NOT_FAILED: { eventId: z.string() },
  // The domain error also names the order's status, but `status` is RFC 9457's member: the
  // problem keeps the HTTP status and drops the detail (problem.ts), and `detail` says it in words.
  ORDER_NOT_CANCELLABLE: { orderId: id },
  ORDER_NOT_REFUNDABLE: { orderId: id },
  REFUND_EXCEEDS_ORDER: {
    orderId: id,
    productId: id.meta({ description: 'The first line asked for beyond what is left' }),
    refundable: won.meta({ description: 'Units of that product still refundable on the order (0 when the order has no such line)' }),
  },
  IDEMPOTENCY_IN_PROGRESS: {},
  IDEMPOTENCY_KEY_REUSED: {},
  PAYLOAD_TOO_LARGE: {},
  UNSUPPORTED_MEDIA_TYPE: {},
  UNAVAILABLE: {},
  INTERNAL: {},
  RATE_LIMITED: {},
  METHOD_NOT_ALLOWED: {},
} satisfies Record<ApiErrorCode, z.ZodRawShape>;

/** When each code is answered: the documented responses list these, one line per code. */
export const whenOfCode: Record<ApiErrorCode, string> = {
  VALIDATION_FAILED: 'a parameter, header or body field is not valid (see `errors`), or the body is not JSON',
  UNAUTHENTICATED: 'the bearer token is missing, malformed, expired or wrongly signed',
  FORBIDDEN: "the token's user is not the user of the path or body, or the route is for administrators",
  NOT_FOUND: 'no such outbox event',
  PRODUCT_NOT_FOUND: 'no product has this id',
  COUPON_NOT_FOUND: 'no coupon has this id',
  ORDER_NOT_FOUND: "no order has this id, or it is another user's order",
  BALANCE_LIMIT_EXCEEDED: 'the charge would take the balance above MAX_BALANCE; nothing changed',
  INSUFFICIENT_BALANCE: 'the balance does not cover the order; nothing changed',
  OUT_OF_STOCK: 'a product has fewer units in stock than ordered; nothing changed',
  COUPON_SOLD_OUT: 'every unit of the coupon has been issued',
  COUPON_ALREADY_ISSUED: 'the user already holds this coupon',
  COUPON_EXPIRED: 'the coupon has expired',
  COUPON_NOT_USABLE: "the user coupon is another user's, already used, or expired; nothing changed",
  OUTBOX_EVENT_NOT_FAILED: 'the event is pending or delivered, not parked as FAILED',
  ORDER_NOT_CANCELLABLE: 'only a PAID order without refunds can be cancelled; nothing changed',
  ORDER_NOT_REFUNDABLE: 'the order is cancelled or fully refunded; nothing changed',
  REFUND_EXCEEDS_ORDER: 'more units than are left to refund on a line, or a product not in the order; nothing changed',
  IDEMPOTENCY_IN_PROGRESS: 'a request with this Idempotency-Key is still running; retry later',
  IDEMPOTENCY_KEY_REUSED: 'this Idempotency-Key was used with a different request',
  PAYLOAD_TOO_LARGE: 'the body is larger than 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  UNAVAILABLE: 'the database cannot be reached, or the process is overloaded or shutting down; retry after the Retry-After delay',
  INTERNAL: 'an unexpected failure; the body never carries a stack or SQL, quote the x-request-id',
  RATE_LIMITED: 'the caller (token subject, else address) passed RATE_LIMIT_PER_MINUTE; retry after the Retry-After delay',
  METHOD_NOT_ALLOWED: 'the path exists but does not take this method; `Allow` lists those it takes',
};

/** What a real answer of each code looks like (built by the same `problem()` the error handler uses). */
const exampleOfCode: Record<ApiErrorCode, { detail: string; details?: Record<string, unknown>; errors?: FieldError[] }> = {
  VALIDATION_FAILED: { detail: 'The body is not valid', errors: [{ path: 'items.0.quantity', message: 'Too small: expected number to be >=1' }] },
  UNAUTHENTICATED: { detail: 'The token has expired' },
  FORBIDDEN: { detail: 'The token does not allow acting for user 42' },
  NOT_FOUND: { detail: 'Outbox event 0b6e2f0c-5a1d-4c61-9d0e-3f3a8c1b7d21 does not exist', details: { eventId: '0b6e2f0c-5a1d-4c61-9d0e-3f3a8c1b7d21' } },
  PRODUCT_NOT_FOUND: { detail: 'Product 12 does not exist', details: { productId: 12 } },
  COUPON_NOT_FOUND: { detail: 'Coupon 3 does not exist', details: { couponId: 3 } },
  ORDER_NOT_FOUND: { detail: 'Order 1024 does not exist', details: { orderId: 1024 } },
  BALANCE_LIMIT_EXCEEDED: {
    detail: 'Charging 50000 won to a balance of 9980000 would exceed the limit of 10000000',
    details: { balance: 9_980_000, maxBalance: 10_000_000 },
  },
  INSUFFICIENT_BALANCE: { detail: 'The balance of 12000 won does not cover 28500 won', details: { balance: 12_000, required: 28_500 } },
  OUT_OF_STOCK: { detail: 'Product 12 does not have 3 in stock', details: { productId: 12, available: 2 } },
  COUPON_SOLD_OUT: { detail: 'Coupon 3 is sold out', details: { couponId: 3 } },
  COUPON_ALREADY_ISSUED: { detail: 'User 42 already holds coupon 3', details: { couponId: 3, userId: 42 } },
  COUPON_EXPIRED: { detail: 'Coupon 3 expired at 2026-11-30T15:00:00.000Z', details: { couponId: 3 } },
  COUPON_NOT_USABLE: { detail: 'User coupon 77 was already used', details: { userCouponId: 77 } },
  OUTBOX_EVENT_NOT_FAILED: {
    detail: 'Outbox event 0b6e2f0c-5a1d-4c61-9d0e-3f3a8c1b7d21 is not parked as FAILED',
    details: { eventId: '0b6e2f0c-5a1d-4c61-9d0e-3f3a8c1b7d21' },
  },
  ORDER_NOT_CANCELLABLE: { detail: 'Order 1024 is PARTIALLY_REFUNDED and can no longer be cancelled', details: { orderId: 1024 } },
  ORDER_NOT_REFUNDABLE: { detail: 'Order 1024 is REFUNDED: nothing is left to refund', details: { orderId: 1024 } },
  REFUND_EXCEEDS_ORDER: {
    detail: 'Order 1024 has 1 unit(s) of product 12 left to refund, not 2',
    details: { orderId: 1024, productId: 12, refundable: 1 },
  },
  IDEMPOTENCY_IN_PROGRESS: { detail: 'A request with this Idempotency-Key is still running; retry later' },
  IDEMPOTENCY_KEY_REUSED: { detail: 'This Idempotency-Key was used with a different request' },
  PAYLOAD_TOO_LARGE: { detail: 'The request body is larger than the limit of 64 KiB' },
  UNSUPPORTED_MEDIA_TYPE: { detail: 'The request body must be application/json' },
  UNAVAILABLE: { detail: 'The database is not reachable' },
  INTERNAL: { detail: 'An unexpected error occurred. Quote the request id when reporting it.' },
  RATE_LIMITED: { detail: 'More than 1200 requests a minute from this caller; retry in 17 seconds' },
  METHOD_NOT_ALLOWED: { detail: 'DELETE is not allowed on this path; it takes GET, HEAD' },
};

export function exampleProblem(code: ApiErrorCode): ProblemDetails {
  const { detail, details, errors } = exampleOfCode[code];
  return problem(code, detail, { ...(details ? { details } : {}), ...(errors ? { errors } : {}) });
}

/** OUT_OF_STOCK → OutOfStockProblem: the component name of a code's schema. */
export const problemComponentName = (code: ApiErrorCode): string =>
  `${code
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Problem`;

function buildProblemSchema(code: ApiErrorCode) {
  const { type, status, title } = problem(code, '');
  return z
    .object({
      // The core members last: an extension of the same name never replaces them, as in problem().
      ...extensionsOfCode[code],
      type: z.literal(type).meta({ description: 'URI of the problem type (RFC 9457)' }),
      title: z.string().meta({ description: 'Short summary, the same for every answer of this code', examples: [title] }),
      status: z.literal(status),
      detail: z.string().meta({ description: 'What went wrong with this request, for a human' }),
      code: z.literal(code).meta({ description: 'The stable error code to branch on' }),
    })
    .meta({ id: problemComponentName(code), description: `${code}: ${whenOfCode[code]}.`, examples: [exampleProblem(code)] });
}

export type ProblemSchema = ReturnType<typeof buildProblemSchema>;

/** Built once per code: the schema carries a component id, and zod ids must be unique. */
const problemSchemas = new Map<ApiErrorCode, ProblemSchema>();

export function problemSchemaOf(code: ApiErrorCode): ProblemSchema {
  let schema = problemSchemas.get(code);
  if (schema === undefined) {
    schema = buildProblemSchema(code);
    problemSchemas.set(code, schema);
  }
  return schema;
}
