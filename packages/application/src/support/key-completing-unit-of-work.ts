import type { HeldClaim, RunOptions, StoredResponse, TransactionScope, UnitOfWork } from '../ports';

/** Another retry took over this request's idempotency key (its lease ran out); its effect was rolled back. */
export class IdempotencyClaimLostError extends Error {
  constructor(readonly claim: HeldClaim) {
    super(`The Idempotency-Key ${JSON.stringify(claim.key)} was taken over by another request; this one changed nothing`);
    this.name = 'IdempotencyClaimLostError';
  }
}

/**
 * A unit of work for one request that holds an idempotency key: the transaction that makes the
 * request's effect also stores the request's response under the key, so both commit together or
 * neither does. A process that dies before the commit leaves neither (the key's lease lets a
 * retry run afresh); one that dies after it leaves both (a retry replays the response).
 *
 * The key is completed only if this request still holds its claim; otherwise the run fails with
 * IdempotencyClaimLostError and rolls back, so a slow request and the retry that took its key
 * over can never both commit. Built per request around the shared unit of work.
 */
export class KeyCompletingUnitOfWork implements UnitOfWork {
  private completion: { result: unknown; response: StoredResponse } | null = null;

  constructor(
    private readonly transactions: UnitOfWork,
    private readonly claim: HeldClaim,
    /** The response the client will get for the result of the request's one transaction. */
    private readonly respond: (result: unknown) => StoredResponse,
  ) {}

  /** The committed transaction's result and the response stored with it; null before it commits. */
  get committed(): { result: unknown; response: StoredResponse } | null {
    return this.completion;
  }

  async run<T>(work: (tx: TransactionScope) => Promise<T>, options?: RunOptions): Promise<T> {
    // A second transaction could not share the first one's fate: refuse it rather than split them.
    if (this.completion !== null) throw new Error('An idempotent request makes its effect in one unit of work');
    let response: StoredResponse | undefined;
    const result = await this.transactions.run(async (tx) => {
      const value = await work(tx);
      response = this.respond(value);
      if (!(await tx.idempotencyKeys.complete(this.claim, response))) throw new IdempotencyClaimLostError(this.claim);
      return value;
    }, options);
    if (response === undefined) throw new Error('The unit of work committed without storing the response');
    this.completion = { result, response };
    return result;
  }
}
