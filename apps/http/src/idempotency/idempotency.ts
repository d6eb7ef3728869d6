import { createHash } from 'node:crypto';
import { IdempotencyClaimLostError, KeyCompletingUnitOfWork, type HeldClaim, type IdempotencyStore, type StoredResponse, type UnitOfWork } from '@storefront/application';
import { ErrorCode } from '@storefront/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WriteUseCases } from '../dependencies';
import { HttpErrorCode, HttpProblem } from '../errors/problem';
import { IDEMPOTENCY_KEY } from '../routing/schemas';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set while this request holds a claim on an idempotency key. */
    idempotencyClaim: HeldClaim | null;
  }
}

/** What Fastify sends for a serialized JSON body, kept with the body so a replay is identical. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

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
function fingerprintOf(request: FastifyRequest): string {
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
 * Idempotency-Key handling for a retried write, as docs/api.md#idempotency describes it:
 * - `claim` (preHandler) claims the key in the shared store before the handler runs, so 40
 *   parallel duplicates run it once, and replays a completed key's response;
 * - `respond` (the handler of every mutating route) runs the route's use case; with a claimed
 *   key, on a unit of work that stores the serialized response in the same transaction as the
 *   effect, and sends exactly those bytes, so the replay is byte for byte what the client got;
 * - `record` (onSend) stores a response that had no effect (a refusal), or releases the key on a
 *   5xx so a retry may succeed. A claim another retry took over stores nothing.
 */
export class IdempotencyGuard {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly now: () => Date,
    private readonly transactions: UnitOfWork,
    /** The write use cases, for requests without a key. */
    private readonly writes: WriteUseCases,
    /** The same use cases built on another unit of work: per keyed request. */
    private readonly writesOn: (transactions: UnitOfWork) => WriteUseCases,
  ) {}

  /**
   * preHandler: runs after authentication, authorization and validation (which already checked the
   * key's shape where the route declares the header). A callback hook: a request without a key
   * passes without a promise.
   */
  readonly claim = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    if (request.headers['idempotency-key'] === undefined) {
      done();
      return;
    }
    this.claimKey(request, reply).then(
      (replayed) => {
        // A replay is sent from the hook: the chain must not go on (a callback hook that sends does not call done).
        if (!replayed) done();
      },
      (error: unknown) => done(error as Error),
    );
  };

  /** Claims the request's key; true when a completed key's response was replayed instead. */
  private async claimKey(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const header = request.headers['idempotency-key'];
    if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
      throw new HttpProblem(ErrorCode.ValidationFailed, 'Idempotency-Key must be 1 to 255 printable ASCII characters', [
        { path: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    if (request.principal === null) throw new HttpProblem(HttpErrorCode.Unauthenticated, 'A bearer token is required');
    const claim = await this.store.claim({ scope: `user:${request.principal.userId}`, key: header }, fingerprintOf(request), this.now());
    switch (claim.state) {
      case 'claimed':
        request.idempotencyClaim = claim.claim;
        return false;
      case 'in-progress':
        throw new HttpProblem(HttpErrorCode.IdempotencyInProgress, 'A request with this Idempotency-Key is still running; retry later');
      case 'reused-with-other-request':
        throw new HttpProblem(HttpErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used with a different request');
      case 'completed':
        void reply
          .code(claim.response.status)
          .header('content-type', claim.response.contentType)
          .header('idempotent-replayed', 'true')
          .send(claim.response.body);
        return true;
    }
  }

  /**
   * The handler's answer: `status` with the presented output of `execute`. The use case must
   * return the result of its one transaction as its output (checked), since that result is what
   * the transaction serialized and stored.
   */
  async respond<O>(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    execute: (writes: WriteUseCases) => Promise<O>,
    present: (output: O) => unknown = (output) => output,
  ): Promise<void> {
    reply.code(status);
    const claim = request.idempotencyClaim;
    // Each send is awaited (a reply is a thenable that settles once the answer is out): a handler
    // that resolves while its answer is still in the onSend hooks makes Fastify send a second time.
    if (claim === null) {
      await reply.send(present(await execute(this.writes)));
      return;
    }

    // The route's own response serializer, for this status: the bytes Fastify would send. Routes
    // declare their answers per media type (routing/responses.ts), so the serializer is looked up by both.
    const render = (output: unknown): StoredResponse => {
      const body = reply.serializeInput(present(output as O) as Record<string, unknown>, String(status), 'application/json');
      if (typeof body !== 'string') throw new Error('A JSON route serialized its response to something other than text');
      return { status, body, contentType: JSON_CONTENT_TYPE };
    };
    const transactions = new KeyCompletingUnitOfWork(this.transactions, claim, render);
    let output: O;
    try {
      output = await execute(this.writesOn(transactions));
    } catch (error) {
      if (error instanceof IdempotencyClaimLostError) {
        throw new HttpProblem(HttpErrorCode.IdempotencyInProgress, 'A retry of this request took over its Idempotency-Key; this attempt changed nothing');
      }
      throw error;
    }
    const committed = transactions.committed;
    let stored: StoredResponse;
    if (committed === null) {
      // The use case answered without a transaction: no effect to be atomic with.
      stored = render(output);
      await this.store.complete(claim, stored);
    } else {
      if (committed.result !== output) throw new Error('A write use case must return the result of its transaction, as stored with its key');
      stored = committed.response;
    }
    request.idempotencyClaim = null;
    await reply.type(stored.contentType).send(stored.body);
  }

  /** onSend: stores a refusal the client is about to receive, or releases the key on a 5xx (a callback hook: no promise without a claim). */
  readonly record = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload: unknown) => void): void => {
    const claim = request.idempotencyClaim;
    if (claim === null) {
      done(null, payload);
      return;
    }
    request.idempotencyClaim = null;
    void this.settle(request, reply, claim, payload).then(() => done(null, payload));
  };

  private async settle(request: FastifyRequest, reply: FastifyReply, claim: HeldClaim, payload: unknown): Promise<void> {
    try {
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        await this.store.release(claim);
      } else {
        const contentType = String(reply.getHeader('content-type') ?? JSON_CONTENT_TYPE);
        await this.store.complete(claim, { status: reply.statusCode, body: payload, contentType });
      }
    } catch (error) {
      // The response itself is fine; the key stays claimed until its lease ends, then a retry runs afresh.
      request.log.error({ err: error }, 'could not record the idempotent response');
    }
  }
}
