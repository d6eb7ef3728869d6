import { workingCopyOf, emptyState, type InMemoryState } from './state';

/**
 * The in-memory database: one committed state, changed only by serialised transactions.
 *
 * A transaction works on a copy-on-write working copy of the whole state and replaces the
 * committed state only when its work resolves, so a failure leaves nothing behind. Transactions
 * queue on a promise chain (a mutex): one runs at a time, in call order, like rows locked for the
 * whole transaction. Reads outside a transaction see the last committed state (read committed).
 *
 * A transaction must not start another one and wait for it: that would wait for itself forever,
 * as a PostgreSQL transaction would wait for a lock its own connection's sibling holds.
 */
export class InMemoryDatabase {
  private state: InMemoryState;
  private tail: Promise<void> = Promise.resolve();

  constructor(initial: InMemoryState = emptyState()) {
    this.state = initial;
  }

  /** The committed state, for reads. Never mutate it: writes go through `transaction`. */
  get committed(): InMemoryState {
    return this.state;
  }

  transaction<T>(work: (working: InMemoryState) => T | Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const working = workingCopyOf(this.state);
      const value = await work(working);
      this.state = working;
      return value;
    });
    // The next transaction waits for this one to settle, whether it committed or not.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
