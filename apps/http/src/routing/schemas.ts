import { z } from 'zod';

export { isoDateTime, positiveId, won } from '@storefront/application';

/*
 * The zod schemas shared by several routes. The same schemas validate requests, type the
 * handlers and generate the OpenAPI document.
 */

/**
 * Digits only become a number; anything else stays a string, which the number schema refuses:
 * `abc`, `-1`, `1e3`, `0x10`, ` 1` and overlong numbers are 400s, and the document still shows an
 * integer with its range (the preprocessing is invisible to the JSON Schema).
 */
const digitsToNumber = (pattern: RegExp) => (value: unknown) => (typeof value === 'string' && pattern.test(value) ? Number(value) : value);

/** A positive id in a path (no leading zero). */
export const idParam = (description: string, example: number) =>
  z
    .preprocess(
      digitsToNumber(/^[1-9][0-9]{0,15}$/),
      z
        .number({ error: 'must be a positive integer' })
        .int('must be a positive integer')
        .min(1, 'must be a positive integer')
        .max(Number.MAX_SAFE_INTEGER, 'must be a positive integer')
        // On the inner schema: zod shows the preprocessed side's metadata in the document.
        .meta({ examples: [example] }),
    )
    .meta({ description });

/** A small integer in a query string, with its default when absent. */
export const queryInt = (min: number, max: number, fallback: number, description: string) => {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .preprocess(
      // No more digits than the largest value has: a thousand-digit string is refused unread.
      digitsToNumber(new RegExp(`^[0-9]{1,${String(max).length}}$`)),
      z.number({ error: message }).int(message).min(min, message).max(max, message).meta({ default: fallback, examples: [fallback] }),
    )
    .default(fallback)
    .meta({ description });
};

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

/**
 * A name shown to shoppers (product, coupon): 1..200 characters once trimmed, and no control
 * characters — PostgreSQL text cannot hold NUL at all, and the others only garble a listing.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
export const displayName = z.string().trim().min(1).max(200).refine((text) => !CONTROL_CHARACTER.test(text), 'must not contain control characters');

/** Free text (a reason): up to `max` characters, line breaks allowed, but never NUL, which PostgreSQL text cannot hold. */
export const freeText = (max: number) => z.string().max(max).refine((text) => !text.includes('\u0000'), 'must not contain NUL characters');


export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item).max(100),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  });

/**
 * A partial update: any of the fields, at least one. The refinement refuses `{}` with a 400; the
 * `minProperties` says so in the document, where a refinement cannot show.
 */
export const patchOf = <S extends z.ZodRawShape>(shape: S) => {
  const fields = Object.keys(shape).join(', ');
  return z
    .object(shape)
    .partial()
    .strict()
    .refine((changes) => Object.values(changes).some((value) => value !== undefined), `give at least one of ${fields}`)
    .meta({ minProperties: 1 });
};

/** 1..255 printable ASCII characters (space to tilde), as docs/api.md#idempotency allows for a key. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;
const IDEMPOTENCY_KEY_MESSAGE = 'must be 1 to 255 printable ASCII characters';

/** Loose: header validation must not drop the other headers. */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1, IDEMPOTENCY_KEY_MESSAGE)
    .max(255, IDEMPOTENCY_KEY_MESSAGE)
    .regex(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_MESSAGE)
    .optional()
    .meta({
      description:
        'Makes a retry safe: scoped to the caller and kept at least 24 hours. A retry with the same key and body replays the first answer (with `Idempotent-Replayed: true`) and does nothing again.',
      examples: ['order-2026-11-24-0001'],
    }),
});
