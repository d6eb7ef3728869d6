import { describe, expect, it } from 'vitest';
import { ContendedUnits, type Admission } from './contended-units';

const KEY = 'coupon 1';
const OTHER = 'product 2';

/** Lets the continuations of settled promises run (the application package has no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

function entered(admission: Admission): { release(taken: boolean): void } {
  if (!admission.entered) throw new Error('expected to enter');
  return admission;
}

/** A waiting admission whose turn is tracked: `woken()` says whether it came. */
function waiting(admission: Admission): { woken(): boolean } {
  if (admission.entered) throw new Error('expected to wait');
  let woken = false;
  void admission.turn.then(() => (woken = true));
  return { woken: () => woken };
}

const one = (known?: number, key = KEY) => [{ key, units: 1, ...(known === undefined ? {} : { known }) }];

describe('ContendedUnits', () => {
  it('admits while the units in flight fit in what was read, then makes the next one wait', () => {
    const gate = new ContendedUnits();
    entered(gate.enter(one(2)));
    entered(gate.enter(one(2)));
    waiting(gate.enter(one(2)));
    expect(gate.stateOf(KEY)).toEqual({ known: 2, inFlight: 2, waiting: 1 });
  });

  it('keeps a waiter waiting while units are taken, and wakes it when nothing is left in flight', async () => {
    const gate = new ContendedUnits();
    const a = entered(gate.enter(one(2)));
    const b = entered(gate.enter(one(2)));
    const c = waiting(gate.enter(one(2)));
    a.release(true);
    await settle();
    expect(c.woken()).toBe(false); // one unit left, held by b
    expect(gate.stateOf(KEY)).toEqual({ known: 1, inFlight: 1, waiting: 1 });
    b.release(true);
    await settle();
    expect(c.woken()).toBe(true); // nothing in flight: its fresh read says sold out
  });

  it('wakes, in arrival order, as many waiters as a unit given back lets in', async () => {
    const gate = new ContendedUnits();
    const a = entered(gate.enter(one(3)));
    entered(gate.enter(one(3)));
    entered(gate.enter(one(3)));
    const d = waiting(gate.enter(one(3)));
    const e = waiting(gate.enter(one(3)));
    a.release(false);
    await settle();
    expect([d.woken(), e.woken()]).toEqual([true, false]);
  });

  it('lets a newcomer not overtake those already waiting, but a woken one go ahead of them', () => {
    const gate = new ContendedUnits();
    const a = entered(gate.enter(one(2)));
    entered(gate.enter(one(2)));
    waiting(gate.enter(one(2)));
    waiting(gate.enter(one(2)));
    a.release(false); // wakes the first waiter; the second still waits
    expect(gate.stateOf(KEY)).toMatchObject({ inFlight: 1, waiting: 1 });
    waiting(gate.enter(one(2))); // a newcomer: behind the one still waiting
    entered(gate.enter(one(2), true)); // the woken one, back with a fresh read
  });

  it('puts a woken request that must wait again first in line', async () => {
    const gate = new ContendedUnits();
    const a = entered(gate.enter(one(1)));
    waiting(gate.enter(one(1)));
    const back = waiting(gate.enter(one(1), true));
    a.release(false);
    await settle();
    expect(back.woken()).toBe(true);
  });

  it('always admits when nothing is in flight, and a claim larger than what is left (the database refuses it at once)', () => {
    const gate = new ContendedUnits();
    entered(gate.enter([{ key: OTHER, units: 3, known: 0 }]));
    entered(gate.enter([{ key: OTHER, units: 2, known: 1 }]));
    waiting(gate.enter([{ key: OTHER, units: 1, known: 1 }]));
  });

  it('never refuses: a crowd far larger than the units all get through, each once', async () => {
    const gate = new ContendedUnits();
    let left = 10;
    let ran = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        gate.through(
          async () => {
            await settle(); // the read
            return { claims: one(left) };
          },
          async () => {
            ran++;
            await settle(); // the transaction
            if (left === 0) throw new Error('sold out');
            left--;
          },
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(ran).toBe(200);
    expect(gate.stateOf(KEY)).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it('releases when the work throws, and wakes those waiting', async () => {
    const gate = new ContendedUnits();
    let fail!: (error: Error) => void;
    const failing = gate.through(
      () => ({ claims: one(1) }),
      () => new Promise<never>((_, reject) => (fail = reject)),
    );
    await settle();
    const after = waiting(gate.enter(one(1)));
    fail(new Error('connection lost'));
    await expect(failing).rejects.toThrow('connection lost');
    await settle();
    expect(after.woken()).toBe(true);
    expect(gate.stateOf(KEY)).toEqual({ known: 1, inFlight: 0, waiting: 0 });
  });

  it('starts over from prepare (a fresh read) after each wait', async () => {
    const gate = new ContendedUnits();
    const first = entered(gate.enter(one(1)));
    let reads = 0;
    const second = gate.through(
      () => {
        reads++;
        return { claims: one(1) };
      },
      () => Promise.resolve('done'),
    );
    await settle();
    expect(reads).toBe(1);
    first.release(false);
    await expect(second).resolves.toBe('done');
    expect(reads).toBe(2);
  });

  it('until a first read tells the units left, lets one in and the rest wait for it', async () => {
    const gate = new ContendedUnits();
    entered(gate.enter(one(undefined, OTHER)));
    const next = waiting(gate.enter(one(undefined, OTHER)));
    const third = waiting(gate.enter([{ key: OTHER, units: 5 }]));
    gate.observe(OTHER, 3);
    await settle();
    expect([next.woken(), third.woken()]).toEqual([true, true]); // 1 + 1 fit in 3; 5 can never fit: let through
  });

  it('takes the latest read as the units left, also when it went up (a restock)', async () => {
    const gate = new ContendedUnits();
    entered(gate.enter(one(1, OTHER)));
    const later = waiting(gate.enter(one(1, OTHER)));
    gate.observe(OTHER, 2);
    await settle();
    expect(later.woken()).toBe(true);
  });

  it('wakes those queued when a newcomer that must queue behind them read more units left', async () => {
    const gate = new ContendedUnits();
    entered(gate.enter(one(1)));
    const first = waiting(gate.enter(one(1)));
    const newcomer = waiting(gate.enter(one(3))); // a restock: 1 in flight, 3 left, the first in line goes
    await settle();
    expect([first.woken(), newcomer.woken()]).toEqual([true, true]);
  });

  it('enters several resources all or none: one that must wait gives back the others', async () => {
    const gate = new ContendedUnits();
    const holder = entered(gate.enter(one(1, OTHER)));
    const admission = gate.enter([
      { key: KEY, units: 1, known: 5 },
      { key: OTHER, units: 1, known: 1 },
    ]);
    const both = waiting(admission);
    expect(gate.stateOf(KEY).inFlight).toBe(0);
    holder.release(false);
    await settle();
    expect(both.woken()).toBe(true);
  });

  it('counts two claims on one resource as one, so a request never waits for itself', () => {
    const gate = new ContendedUnits();
    entered(gate.enter([
      { key: KEY, units: 1, known: 1 },
      { key: KEY, units: 1 },
    ]));
    expect(gate.stateOf(KEY).inFlight).toBe(2);
  });

  it('releases once, however often release is called', () => {
    const gate = new ContendedUnits();
    const a = entered(gate.enter(one(5)));
    entered(gate.enter(one(5)));
    a.release(true);
    a.release(true);
    expect(gate.stateOf(KEY)).toEqual({ known: 4, inFlight: 1, waiting: 0 });
  });

  it('forgets idle resources beyond its capacity, never one in use', () => {
    const gate = new ContendedUnits(2);
    entered(gate.enter(one(5, 'a'))).release(true);
    entered(gate.enter(one(5, 'b')));
    entered(gate.enter(one(5, 'c')));
    expect(gate.stateOf('a').known).toBeUndefined();
    expect(gate.stateOf('b')).toEqual({ known: 5, inFlight: 1, waiting: 0 });
  });

  it('counts the requests waiting now and every wait so far, across resources', async () => {
    const gate = new ContendedUnits();
    const a = entered(gate.enter(one(1, 'a')));
    waiting(gate.enter(one(1, 'a')));
    entered(gate.enter(one(1, 'b')));
    waiting(gate.enter(one(1, 'b')));
    expect(gate.figures()).toEqual({ waiting: 2, waits: 2 });
    a.release(false);
    await settle();
    expect(gate.figures()).toEqual({ waiting: 1, waits: 2 });
  });
});
