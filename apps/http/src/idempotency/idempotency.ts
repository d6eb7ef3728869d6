import { createHash } from 'node:crypto';
import type { IdempotencyKeyRef, IdempotencyStore } from '@storefront/application';
import { ErrorCode } from '@storefront/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpErrorCode, HttpProblem } from '../errors/problem';
import { IDEMPOTENCY_KEY } from '../http/schemas';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request holds a claim on an idempotency key. */
    idempotencyRef: IdempotencyKeyRef | null;
  }
}

/** Stable JSON: object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same": method, route with its parameters, and the validated body. */
export function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\n')
    .update(request.routeOptions.url ?? '')
    .update('\n')
    .update(canonicalJson(request.params))
    .update('\n')
    .update(canonicalJson(request.body))
    .digest('hex');
}

/**
 * Idempotency-Key handling for a retried write, as API.md describes it. The key is claimed in
 * the shared store before the handler runs (so 40 parallel duplicates run it once), the response
 * is stored after it is serialized (so a replay is byte for byte the same), and the claim is
 * released on a 5xx so that a retry may succeed.
 */
export class IdempotencyGuard {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly now: () => Date,
  ) {}

  /** preHandler: runs after authentication, authorization and validation (which already checked the key's shape where the route declares the header). */
  readonly claim = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers['idempotency-key'];
    if (header === undefined) return undefined;
    if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
      throw new HttpProblem(ErrorCode.ValidationFailed, 'Idempotency-Key must be 1 to 255 printable ASCII characters', [
        { path: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    if (request.principal === null) throw new HttpProblem(HttpErrorCode.Unauthenticated, 'A bearer token is required');
    const ref: IdempotencyKeyRef = { scope: `user:${request.principal.userId}`, key: header };
    const claim = await this.store.claim(ref, fingerprintOf(request), this.now());
    switch (claim.state) {
      case 'claimed':
        request.idempotencyRef = ref;
        return undefined;
      case 'in-progress':
        throw new HttpProblem(HttpErrorCode.IdempotencyInProgress, 'A request with this Idempotency-Key is still running; retry later');
      case 'reused-with-other-request':
        throw new HttpProblem(HttpErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used with a different request');
      case 'completed':
        return reply
          .code(claim.response.status)
          .header('content-type', claim.response.contentType)
          .header('idempotent-replayed', 'true')
          .send(claim.response.body);
    }
  };

  /** onSend: stores the response the client is about to receive, or releases the key on a 5xx. */
  readonly record = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const ref = request.idempotencyRef;
    if (ref === null) return payload;
    request.idempotencyRef = null;
    try {
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        await this.store.release(ref);
      } else {
        const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
        await this.store.complete(ref, { status: reply.statusCode, body: payload, contentType });
      }
    } catch (error) {
      // The response itself is fine; the key stays claimed until it expires, and retries see 409.
      request.log.error({ err: error }, 'could not record the idempotent response');
    }
    return payload;
  };
}
