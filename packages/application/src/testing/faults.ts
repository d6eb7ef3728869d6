import type { RunOptions, TransactionScope, UnitOfWork } from '../ports';

/** The failure a `FaultyUnitOfWork` injects. */
export class InjectedFault extends Error {
  constructor(readonly step: number, readonly call: string) {
    super(`injected fault at step ${step}: ${call}`);
    this.name = 'InjectedFault';
  }
}

/**
 * A unit of work whose repositories fail at the `failAt`-th call made inside a run (1-based),
 * and which logs every call it sees. A test runs a use case with failAt = 1, 2, … until a run
 * completes without reaching the fault, checking each time that nothing changed: a failure at
 * any step of the unit of work must roll everything back. On PostgreSQL the step that fails is
 * the real statement's place in the real transaction.
 */
export class FaultyUnitOfWork implements UnitOfWork {
  readonly calls: string[] = [];
  /** Whether the last run reached the fault (false: the use case made fewer calls). */
  faulted = false;

  constructor(
    private readonly inner: UnitOfWork,
    private readonly failAt: number,
  ) {}

  run<T>(work: (tx: TransactionScope) => Promise<T>, options?: RunOptions): Promise<T> {
    this.calls.length = 0;
    this.faulted = false;
    return this.inner.run((tx) => work(this.wrap(tx)), options);
  }

  private wrap(tx: TransactionScope): TransactionScope {
    const wrapped: Array<[string, object]> = Object.entries(tx).map(([name, repository]: [string, object]) => [
      name,
      new Proxy(repository, {
        get: (target, method, receiver) => {
          const value: unknown = Reflect.get(target, method, receiver);
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            const call = `${name}.${String(method)}(${args.filter((a) => typeof a === 'number').join(', ')})`;
            this.calls.push(call);
            if (this.calls.length === this.failAt) {
              this.faulted = true;
              throw new InjectedFault(this.failAt, call);
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
    ]);
    return Object.fromEntries(wrapped) as unknown as TransactionScope;
  }
}
