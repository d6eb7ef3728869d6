import type { ContendedUnits, RunOptions, TransactionScope, UnitOfWork } from '@storefront/application';
import { vi } from 'vitest';

/**
 * A unit of work that holds every transaction the gate admitted until the resource `key` has a
 * waiter (once it had one, nothing is held any more): the transactions in flight then hold every
 * unit left, so the latecomers of a race surely queue in the gate, whatever the timing. Counts the
 * transactions opened.
 */
export class HeldUntilSomeoneWaits implements UnitOfWork {
  opened = 0;
  private someoneWaited = false;

  constructor(
    private readonly inner: UnitOfWork,
    private readonly gate: ContendedUnits,
    private readonly key: string,
    private readonly deadlineMs = 60_000,
  ) {}

  async run<T>(work: (tx: TransactionScope) => Promise<T>, options?: RunOptions): Promise<T> {
    this.opened++;
    const deadline = Date.now() + this.deadlineMs;
    while (!(this.someoneWaited ||= this.gate.stateOf(this.key).waiting > 0)) {
      if (Date.now() > deadline) throw new Error(`nobody waited on ${this.key} within ${this.deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.inner.run(work, options);
  }
}

/** Counts the admissions of `gate` that had to wait. */
export function countWaits(gate: ContendedUnits): () => number {
  const enter = vi.spyOn(gate, 'enter');
  return () => enter.mock.results.filter((result) => result.type === 'return' && !(result.value as { entered: boolean }).entered).length;
}
