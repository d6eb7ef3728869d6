/** Units of one contended resource that a request means to take in its transaction. */
export interface UnitClaim {
  /** The resource: `couponUnitsKey(id)`, `productStockKey(id)`. */
  key: string;
  units: number;
  /** The committed units left, as just read; omitted when the last read recorded is all there is. */
  known?: number;
}

/** What `enter` answers: go ahead (and release once the transaction is over), or wait your turn. */
export type Admission =
  | { entered: true; release(taken: boolean): void }
  | { entered: false; turn: Promise<void> };

export const couponUnitsKey = (couponId: number): string => `coupon ${couponId}`;
export const productStockKey = (productId: number): string => `product ${productId}`;

interface Waiter {
  units: number;
  wake(): void;
}

interface Resource {
  /** Committed units left, as last read or lowered by a commit here; undefined until first read. */
  known: number | undefined;
  /** Units held by this process's transactions in progress. */
  inFlight: number;
  /** In arrival order; never empty while `inFlight` is 0. */
  waiters: Waiter[];
}

/**
 * An in-process admission gate in front of the transactions that take contended units (a
 * coupon's stock, a flash-sale product's stock). It only ever *delays*: it never refuses and
 * never answers from memory; the database decides every take (the coupon's shard claim, the
 * product's conditional write, their CHECKs).
 *
 * Why: at the end of a rush, once the transactions in progress already hold every unit left,
 * each new arrival still opened a full transaction that could only fail — a pooled connection,
 * a claim that finds every shard held, a blocking wait on one — competing for the pool and
 * Node's CPU with the requests that will succeed. Here it waits in memory instead, holding
 * nothing, until a unit could be its.
 *
 * Per resource: `known` is the committed units left as last read (each read replaces it, since
 * stock may also go up: cancel, refund, restock; a commit through here lowers it by what it
 * took), `inFlight` the units held by this process's transactions in progress. A request enters
 * when `inFlight + units <= known`, when nothing is in flight (so it always progresses), or when
 * `units > known` (waiting could not help it: the database answers at once). A newcomer does not
 * overtake the waiters queued before it, unless it was woken itself. Otherwise it waits; once
 * woken it starts over from its read (`through`'s `prepare`) and asks again.
 *
 * No lost wake-ups, no endless waits: a request waits only while something is in flight; each
 * release wakes, in arrival order, those who would now fit, and wakes everyone when nothing is
 * left in flight (a sold-out read then refuses them); a transaction that throws still releases.
 * Several instances each have their own gate: a `known` made stale by another instance's commits
 * costs a transaction that fails (as without the gate), never a wrong answer.
 */
export class ContendedUnits {
  private readonly resources = new Map<string, Resource>();
  /** Every time a request was made to wait, since the process started (a metric). */
  private waits = 0;

  /** Above this many resources, the idle ones are forgotten (their next read tells again). */
  constructor(private readonly capacity = 10_000) {}

  /**
   * Runs `work` once `prepare`'s claims are admitted, releasing them when it settles (taken when
   * it resolved). `prepare` runs again after each wait: a fresh read, the checks that go with it.
   */
  async through<P extends { claims: readonly UnitClaim[] }, T>(prepare: () => P | Promise<P>, work: (prepared: P) => Promise<T>): Promise<T> {
    for (let woken = false; ; woken = true) {
      const prepared = await prepare();
      const admission = this.enter(prepared.claims, woken);
      if (!admission.entered) {
        await admission.turn;
        continue;
      }
      let taken = false;
      try {
        const result = await work(prepared);
        taken = true;
        return result;
      } finally {
        admission.release(taken);
      }
    }
  }

  /** The committed units left of a resource, as just read inside a transaction already admitted. */
  observe(key: string, known: number): void {
    const resource = this.resources.get(key);
    if (!resource) return;
    resource.known = known;
    this.wakeFitting(resource);
  }

  /**
   * Admits every claim, or none: when one must wait, those already entered are released (no
   * hold-and-wait across resources) and the answer is that one's turn. `woken`: the request
   * waited before, and may go ahead of those queued after it.
   */
  enter(claims: readonly UnitClaim[], woken = false): Admission {
    const entered: Array<{ resource: Resource; units: number }> = [];
    for (const claim of mergedByKey(claims)) {
      const resource = this.resourceOf(claim.key);
      if (claim.known !== undefined) resource.known = claim.known;
      if (!this.admits(resource, claim.units, woken)) {
        const turn = new Promise<void>((wake) => {
          const waiter = { units: claim.units, wake };
          if (woken) resource.waiters.unshift(waiter);
          else resource.waiters.push(waiter);
        });
        this.waits += 1;
        // Its read may have raised `known`: those queued before it may fit now.
        this.wakeFitting(resource);
        for (const held of entered) this.leave(held.resource, held.units, false);
        return { entered: false, turn };
      }
      resource.inFlight += claim.units;
      entered.push({ resource, units: claim.units });
      // A read that raised `known` may let those queued in too.
      this.wakeFitting(resource);
    }
    let released = false;
    return {
      entered: true,
      release: (taken) => {
        if (released) return;
        released = true;
        for (const held of entered) this.leave(held.resource, held.units, taken);
      },
    };
  }

  /** What the gate holds of a resource now (tests, diagnostics). */
  stateOf(key: string): { known: number | undefined; inFlight: number; waiting: number } {
    const resource = this.resources.get(key);
    return { known: resource?.known, inFlight: resource?.inFlight ?? 0, waiting: resource?.waiters.length ?? 0 };
  }

  /** The gate's figures for the metrics: requests waiting now, and waits since the process started. */
  figures(): { waiting: number; waits: number } {
    let waiting = 0;
    for (const resource of this.resources.values()) waiting += resource.waiters.length;
    return { waiting, waits: this.waits };
  }

  private admits(resource: Resource, units: number, woken: boolean): boolean {
    if (resource.inFlight === 0) return true;
    if (resource.known === undefined) return false; // the one in flight is reading it
    if (units > resource.known) return true;
    return resource.inFlight + units <= resource.known && (woken || resource.waiters.length === 0);
  }

  private leave(resource: Resource, units: number, taken: boolean): void {
    resource.inFlight -= units;
    if (taken && resource.known !== undefined) resource.known = Math.max(0, resource.known - units);
    this.wakeFitting(resource);
  }

  /** Wakes, in arrival order, the waiters that would now enter; all of them when nothing is in flight. */
  private wakeFitting(resource: Resource): void {
    if (resource.inFlight === 0) {
      const all = resource.waiters.splice(0);
      for (const waiter of all) waiter.wake();
      return;
    }
    const known = resource.known;
    if (known === undefined) return;
    let pending = resource.inFlight;
    for (let next = resource.waiters[0]; next !== undefined; next = resource.waiters[0]) {
      const fits = pending + next.units <= known;
      if (!fits && next.units <= known) break;
      resource.waiters.shift();
      if (fits) pending += next.units;
      next.wake();
    }
  }

  private resourceOf(key: string): Resource {
    let resource = this.resources.get(key);
    if (resource) return resource;
    if (this.resources.size >= this.capacity) {
      for (const [k, r] of this.resources) if (r.inFlight === 0 && r.waiters.length === 0) this.resources.delete(k);
    }
    resource = { known: undefined, inFlight: 0, waiters: [] };
    this.resources.set(key, resource);
    return resource;
  }
}

/** One claim per resource: two claims on one key must not wait for each other. */
function mergedByKey(claims: readonly UnitClaim[]): UnitClaim[] {
  const byKey = new Map<string, UnitClaim>();
  for (const claim of claims) {
    const seen = byKey.get(claim.key);
    byKey.set(claim.key, seen ? { key: claim.key, units: seen.units + claim.units, known: claim.known ?? seen.known } : claim);
  }
  return [...byKey.values()];
}
