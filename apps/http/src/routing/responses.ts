import { z } from 'zod';
import { problemComponentName, problemSchemaOf, whenOfCode, type ProblemSchema } from '../errors/problem-schemas';
import { PROBLEM_CONTENT_TYPE, statusOfCode, type ApiErrorCode } from '../errors/problem';

/*
 * The responses of a route, as its schema declares them: each success with a description, and
 * exactly the error codes the route can answer, grouped by status. The same declarations type the
 * handlers, serialize the answers and generate the OpenAPI document.
 */

/** A success answer: JSON described by a zod schema. */
export const ok = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

interface ProblemResponse {
  description: string;
  content: { [PROBLEM_CONTENT_TYPE]: { schema: z.ZodType } };
}

/** The request shape was refused: a parameter, the query string, a header or the body. */
export const INVALID: readonly ApiErrorCode[] = ['VALIDATION_FAILED'];
/** A route that reads a JSON body: shape, size and media type are checked before anything else. */
export const WITH_BODY: readonly ApiErrorCode[] = ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** A route behind a bearer token with a role or user check. */
export const AUTHORIZED: readonly ApiErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
/** A route that honours Idempotency-Key: a retry that races or changes the body is refused. */
export const IDEMPOTENT: readonly ApiErrorCode[] = ['IDEMPOTENCY_IN_PROGRESS', 'IDEMPOTENCY_KEY_REUSED'];
/**
 * What any route may answer, whatever it does: the per-caller rate limit; 503 for a database
 * outage, load shedding or draining on shutdown (always with Retry-After); an unexpected failure.
 */
const ANY_ROUTE: readonly ApiErrorCode[] = ['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL'];

/**
 * The error responses of a route, from the codes it can answer (with those of ANY_ROUTE). A status
 * with several codes is a union discriminated by `code`.
 */
export function failures(...codes: Array<ApiErrorCode | readonly ApiErrorCode[]>): Record<number, ProblemResponse> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set([...codes.flat(), ...ANY_ROUTE])) {
    const status = statusOfCode[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ProblemResponse> = {};
  for (const [status, ofStatus] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: ofStatus.map((code) => `\`${code}\`: ${whenOfCode[code]}.`).join('\n\n'),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemUnion(ofStatus) } },
    };
  }
  return responses;
}

function problemUnion(codes: ApiErrorCode[]): z.ZodType {
  const schemas = codes.map(problemSchemaOf);
  const [first, second, ...rest] = schemas;
  if (first === undefined) throw new Error('a problem response needs at least one code');
  if (second === undefined) return first;
  // Without a mapping, OpenAPI takes the component names as the discriminator's values.
  const mapping = Object.fromEntries(codes.map((code) => [code, `#/components/schemas/${problemComponentName(code)}`]));
  return z.discriminatedUnion('code', [first, second, ...rest] as [ProblemSchema, ProblemSchema, ...ProblemSchema[]]).meta({
    type: 'object',
    discriminator: { propertyName: 'code', mapping },
  });
}
