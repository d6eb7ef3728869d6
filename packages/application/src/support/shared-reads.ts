/** Those who asked while a read of their key ran: the next read, one for all of them. */
interface Batch<V> {
  promise: Promise<V>;
  /** The load of the first of them (every load of one key reads the same thing). */
  load: () => Promise<V>;
  settle(result: Promise<V>): void;
}

/**
 * Concurrent identical reads, one statement for all who wait at that moment (a single flight).
 *
 * Why: in a rush, hundreds of requests for one coupon arrive at once and each read the same
 * terms and units left before their transaction; on a pool of 20 those reads queued ahead of
 * every transaction, so no unit went out until all of them had run. Here one read runs per key
 * at a time; whoever asks meanwhile waits for the *next* one, which starts when it ends and
 * serves them all. A caller is never answered from a read that started before it asked, so an
 * answer is as fresh as a read of its own would have been — only shared. Nothing is kept once
 * the reads of a key are over: this is no cache.
 *
 * A failed read fails those it serves, and only them; the next batch reads again.
 */
export class SharedReads<K, V> {
  /** Per key with a read running: who waits for the next one (null: nobody yet). */
  private readonly running = new Map<K, { next: Batch<V> | null }>();

  read(key: K, load: () => Promise<V>): Promise<V> {
    const reads = this.running.get(key);
    if (!reads) return this.start(key, load);
    reads.next ??= batch(load);
    return reads.next.promise;
  }

  /** Keys with a read running now (tests, diagnostics). */
  get keysReading(): number {
    return this.running.size;
  }

  private start(key: K, load: () => Promise<V>): Promise<V> {
    const reads: { next: Batch<V> | null } = { next: null };
    this.running.set(key, reads);
    const result = Promise.resolve().then(load);
    const ended = (): void => {
      this.running.delete(key);
      if (reads.next) reads.next.settle(this.start(key, reads.next.load));
    };
    result.then(ended, ended);
    return result;
  }
}

function batch<V>(load: () => Promise<V>): Batch<V> {
  let settle!: (result: Promise<V>) => void;
  const promise = new Promise<V>((resolve) => {
    settle = resolve;
  });
  return { promise, load, settle };
}
