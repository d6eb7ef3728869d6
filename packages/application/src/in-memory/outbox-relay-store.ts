import type { ClaimedOutboxEvent, Clock, OutboxRelayStore, RequeueResult, SettledDelivery } from '../ports';
import type { InMemoryDatabase } from './database';
import { envelopeOf } from './queries';
import { nextUuid, type StoredOutboxEvent } from './state';

/**
 * The relay's side of the outbox. Each method is one short transaction of the database, as each
 * is one statement in PostgreSQL. A claim is a lease: other relays skip the event until
 * `leaseUntil` has passed, and outcomes reported under an older claim token (a relay that
 * outlived its lease) change nothing. An event waits while an earlier event of its order is
 * undelivered.
 */
export class InMemoryOutboxRelayStore implements OutboxRelayStore {
  constructor(
    private readonly database: InMemoryDatabase,
    private readonly clock: Clock,
  ) {}

  claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]> {
    return this.database.transaction((state) => {
      const now = this.clock.now();
      const events = [...state.outbox.values()].sort((a, b) => a.seq - b.seq);
      const firstUndelivered = new Map<number, number>();
      for (const e of events) if (e.status !== 'DELIVERED' && !firstUndelivered.has(e.orderId)) firstUndelivered.set(e.orderId, e.seq);
      const due = events
        .filter(
          (e) =>
            e.status === 'PENDING' &&
            e.nextAttemptAt <= now &&
            (e.leaseUntil === null || e.leaseUntil < now) &&
            firstUndelivered.get(e.orderId) === e.seq,
        )
        .slice(0, Math.max(0, limit));
      return due.map((event) => {
        const claimed: StoredOutboxEvent = {
          ...event,
          attempts: event.attempts + 1,
          leaseUntil: new Date(now.getTime() + leaseMs),
          claimToken: nextUuid(state),
        };
        state.outbox.set(event.eventId, claimed);
        return { envelope: envelopeOf(claimed), attempt: claimed.attempts, claimToken: claimed.claimToken ?? '' };
      });
    });
  }

  settle(deliveries: readonly SettledDelivery[]): Promise<void> {
    return this.database.transaction((state) => {
      const now = this.clock.now();
      for (const { event, attempt, settlement } of deliveries) {
        const row = state.outbox.get(event.envelope.eventId);
        if (!row) continue;
        const logged: StoredOutboxEvent = { ...row, attemptLog: [...row.attemptLog, { ...attempt, at: new Date(attempt.at.getTime()) }] };
        if (row.status !== 'PENDING' || row.claimToken !== event.claimToken) {
          state.outbox.set(row.eventId, logged);
          continue;
        }
        const cleared = { ...logged, leaseUntil: null, claimToken: null };
        if (settlement.kind === 'delivered') state.outbox.set(row.eventId, { ...cleared, status: 'DELIVERED', deliveredAt: now });
        else if (settlement.kind === 'park') state.outbox.set(row.eventId, { ...cleared, status: 'FAILED', lastError: attempt.error });
        else state.outbox.set(row.eventId, { ...cleared, nextAttemptAt: new Date(settlement.nextAttemptAt.getTime()), lastError: attempt.error });
      }
    });
  }

  /** Back in line now, with a fresh set of attempts; the last error stays for the record. */
  requeueFailed(eventId: string): Promise<RequeueResult> {
    return this.database.transaction((state): RequeueResult => {
      const event = state.outbox.get(eventId);
      if (!event) return 'NOT_FOUND';
      if (event.status !== 'FAILED') return 'NOT_FAILED';
      state.outbox.set(eventId, { ...event, status: 'PENDING', attempts: 0, nextAttemptAt: this.clock.now(), leaseUntil: null, claimToken: null });
      return 'REQUEUED';
    });
  }
}
