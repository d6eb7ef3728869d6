import { describe, expect, it } from 'vitest';
import { SharedReads } from './shared-reads';

/** Lets the continuations of settled promises run (the application package has no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** A load whose reads are answered by hand, in the order they started. */
function manualLoad() {
  const pending: Array<{ resolve(value: number): void; reject(error: Error): void }> = [];
  let started = 0;
  return {
    load: () =>
      new Promise<number>((resolve, reject) => {
        started++;
        pending.push({ resolve, reject });
      }),
    started: () => started,
    answer: (value: number) => pending.shift()?.resolve(value),
    fail: (error: Error) => pending.shift()?.reject(error),
  };
}

describe('SharedReads', () => {
  it('runs one read for everyone who asks while none runs', async () => {
    const reads = new SharedReads<number, number>();
    const db = manualLoad();
    const first = reads.read(1, db.load);
    await settle();
    const waiting = [reads.read(1, db.load), reads.read(1, db.load), reads.read(1, db.load)];
    await settle();
    expect(db.started()).toBe(1);

    db.answer(10);
    await expect(first).resolves.toBe(10);
    await settle();
    // Those who asked during the first read get the next one, started once it ended: one for all.
    expect(db.started()).toBe(2);
    db.answer(9);
    await expect(Promise.all(waiting)).resolves.toEqual([9, 9, 9]);
    expect(reads.keysReading).toBe(0);
  });

  it('never answers a caller from a read that started before it asked', async () => {
    const reads = new SharedReads<number, number>();
    const db = manualLoad();
    const early = reads.read(1, db.load);
    await settle();
    const late = reads.read(1, db.load);
    db.answer(5);
    await expect(early).resolves.toBe(5);
    let lateAnswer: number | undefined;
    void late.then((value) => (lateAnswer = value));
    await settle();
    expect(lateAnswer).toBeUndefined();
    db.answer(4);
    await expect(late).resolves.toBe(4);
  });

  it('reads different keys side by side', async () => {
    const reads = new SharedReads<number, string>();
    let started = 0;
    const load = (key: number) => () => {
      started++;
      return Promise.resolve(`coupon ${key}`);
    };
    await expect(Promise.all([reads.read(1, load(1)), reads.read(2, load(2))])).resolves.toEqual(['coupon 1', 'coupon 2']);
    expect(started).toBe(2);
  });

  it('fails only those a failed read serves; the next batch reads again', async () => {
    const reads = new SharedReads<number, number>();
    const db = manualLoad();
    const first = reads.read(1, db.load);
    await settle();
    const next = reads.read(1, db.load);
    db.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    db.answer(3);
    await expect(next).resolves.toBe(3);
    await expect(reads.read(1, () => Promise.resolve(2))).resolves.toBe(2);
  });

  it('fails the callers of a load that throws before it returns a promise, and recovers', async () => {
    const reads = new SharedReads<number, number>();
    await expect(
      reads.read(1, () => {
        throw new Error('bad statement');
      }),
    ).rejects.toThrow('bad statement');
    await settle();
    await expect(reads.read(1, () => Promise.resolve(7))).resolves.toBe(7);
  });
});
