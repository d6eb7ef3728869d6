import { z } from 'zod';

/*
 * The zod schemas shared by several routes. The same schemas validate requests, type the
 * handlers and generate the OpenAPI document.
 */

/** A positive id in a path: digits only, so `abc`, `-1`, `1e3`, `0` and overlong numbers are 400s. */
export const idParam = (description: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER, 'must be a positive integer'))
    // Digits are checked as text (so `1e3` and `0x10` are refused); the document shows what
    // the client sends: a positive integer.
    .meta({ description, type: 'integer', minimum: 1, pattern: undefined, example: 1 });

/** A small integer in a query string, digits only. */
export const queryInt = (min: number, max: number, fallback: number, description: string) =>
  z
    .string()
    .regex(/^[0-9]{1,4}$/, `must be an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback)
    .meta({ description: `${description} (${min}..${max}, default ${fallback})` });

/** Unknown query parameters are ignored (cache busters, tracking); unknown body fields are not. */
export const pageQuery = z.object({
  limit: queryInt(1, 100, 20, 'Page size'),
  cursor: z
    .string()
    .max(256)
    .optional()
    // An empty cursor is the first page, like no cursor at all.
    .transform((cursor) => (cursor === '' ? undefined : cursor))
    .meta({ description: "Opaque cursor from the previous page's nextCursor" }),
});

export const isoDateTime = z.iso.datetime({ offset: true }).meta({ example: '2026-11-24T09:00:00.000Z' });

/**
 * A name shown to shoppers (product, coupon): 1..200 characters once trimmed, and no control
 * characters — PostgreSQL text cannot hold NUL at all, and the others only garble a listing.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
export const displayName = z.string().trim().min(1).max(200).refine((text) => !CONTROL_CHARACTER.test(text), 'must not contain control characters');

/** Free text (a reason): up to `max` characters, line breaks allowed, but never NUL, which PostgreSQL text cannot hold. */
export const freeText = (max: number) => z.string().max(max).refine((text) => !text.includes('\u0000'), 'must not contain NUL characters');

export const positiveId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ example: 42 });
export const won = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({ example: 24_900 });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
  });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Documents the error responses of a route (rendered by the error handler, as application/problem+json). */
export function problems(...statuses: number[]): Record<number, { description: string; content: Record<string, { schema: typeof problemSchema }> }> {
  const out: Record<number, { description: string; content: Record<string, { schema: typeof problemSchema }> }> = {};
  for (const status of statuses) {
    out[status] = { description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem', content: { 'application/problem+json': { schema: problemSchema } } };
  }
  return out;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'IDEMPOTENCY_KEY_REUSED',
  503: 'UNAVAILABLE',
};

/** Loose: header validation must not drop the other headers. */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .meta({ description: '1..255 printable ASCII characters, scoped to the caller. A retry with the same key and body replays the first answer.' }),
});
