import { isDatabaseUnavailable } from '@storefront/adapters';
import { ErrorCode, isDomainError } from '@storefront/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  HttpErrorCode,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  problem,
  type ApiErrorCode,
  type FieldError,
  type ProblemDetails,
} from './problem';

const PART_NAMES: Record<string, string> = { body: 'body', params: 'path', querystring: 'query string', headers: 'headers' };

const INTERNAL_DETAIL = 'An unexpected error occurred. Quote the request id when reporting it.';

/** Seconds a client is asked to wait before retrying a 503 (Retry-After). */
const RETRY_AFTER_SECONDS = 1;

/** `/items/0/quantity` → `items.0.quantity`; a strict object's unknown keys get one entry each. */
function fieldErrors(error: FastifyError): FieldError[] {
  if (!hasZodFastifySchemaValidationErrors(error)) {
    return (error.validation ?? []).map((v) => ({ path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'), message: v.message ?? 'invalid' }));
  }
  return error.validation.flatMap((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const keys = (v.params as { keys?: unknown }).keys;
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({ path: path === '' ? String(key) : `${path}.${String(key)}`, message: 'unknown field' }));
    }
    return [{ path, message: v.message ?? 'invalid' }];
  });
}

/** Maps what Fastify itself throws (parsing, limits) to a problem; undefined for anything else. */
function frameworkProblem(error: FastifyError): ProblemDetails | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(HttpErrorCode.PayloadTooLarge, 'The request body is larger than the limit of 64 KiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(HttpErrorCode.UnsupportedMediaType, 'The request body must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(ErrorCode.ValidationFailed, 'The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(ErrorCode.ValidationFailed, 'The body is not valid JSON');
    default:
      break;
  }
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  // Any other client error Fastify raises (malformed JSON, bad content length, ...): never a 500.
  const code: ApiErrorCode =
    status === 413 ? HttpErrorCode.PayloadTooLarge : status === 415 ? HttpErrorCode.UnsupportedMediaType : status === 404 ? ErrorCode.NotFound : ErrorCode.ValidationFailed;
  const detail = error instanceof SyntaxError ? 'The body is not valid JSON' : 'The request could not be processed';
  return problem(code, detail);
}

export function toProblem(error: unknown): ProblemDetails | undefined {
  if (isDomainError(error)) {
    if (error.code !== ErrorCode.ValidationFailed) return problem(error.code, error.message, { details: error.details });
    // A rule only the domain checks (a coupon's expiry in the past, ...): the same shape as a
    // schema violation. Domain messages name the field first ("expiresAt must be ...").
    const field = /^([A-Za-z]+) must /.exec(error.message)?.[1] ?? '';
    return problem(error.code, error.message, { errors: [{ path: field, message: error.message }] });
  }
  if (error instanceof HttpProblem) {
    return problem(error.code, error.message, error.errors ? { errors: error.errors } : undefined);
  }
  const fastifyError = error as FastifyError;
  if (fastifyError && typeof fastifyError === 'object' && fastifyError.validation) {
    const errors = fieldErrors(fastifyError);
    const where = PART_NAMES[fastifyError.validationContext ?? ''] ?? 'request';
    return problem(ErrorCode.ValidationFailed, `The ${where} is not valid`, { errors });
  }
  if (fastifyError && typeof fastifyError === 'object') return frameworkProblem(fastifyError);
  return undefined;
}

export function sendProblem(reply: FastifyReply, body: ProblemDetails): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The one place where failures become HTTP responses. Routes never catch. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toProblem(error);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, known);
    }
    if (isDatabaseUnavailable(error)) {
      // The database is down, restarting or holding a lock too long: the request may succeed later.
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendProblem(reply, problem(HttpErrorCode.Unavailable, 'The database is unavailable right now; retry shortly'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendProblem(reply, problem(HttpErrorCode.Internal, INTERNAL_DETAIL));
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, problem(ErrorCode.NotFound, `No route for ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`)),
  );
}
