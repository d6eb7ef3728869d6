import type { ClaimedOutboxEvent, Clock, OutboxRelayStore, RequeueResult } from '../ports';
import type { InMemoryDatabase } from './database';
import { nextUuid, type InMemoryState, type StoredOutboxEvent } from './state';

/**
 * The relay's side of the outbox. Each method is one short transaction of the database, as each
 * is one statement in PostgreSQL. A claim is a lease: other relays skip the event until
 * `leaseUntil` has passed, and outcomes reported under an older claim token (a relay that
 * outlived its lease) change nothing.
 */
export class InMemoryOutboxRelayStore implements OutboxRelayStore {
  constructor(
    private readonly database: InMemoryDatabase,
    private readonly clock: Clock,
  ) {}

  claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]> {
    return this.database.transaction((state) => {
      const now = this.clock.now();
      const due = [...state.outbox.values()]
        .filter((e) => e.status === 'PENDING' && e.nextAttemptAt <= now && (e.leaseUntil === null || e.leaseUntil < now))
        .sort((a, b) => a.seq - b.seq)
        .slice(0, Math.max(0, limit));
      return due.map((event) => {
        const claimed: StoredOutboxEvent = {
          ...event,
          attempts: event.attempts + 1,
          leaseUntil: new Date(now.getTime() + leaseMs),
          claimToken: nextUuid(state),
        };
        state.outbox.set(event.eventId, claimed);
        return {
          envelope: {
            eventId: claimed.eventId,
            type: claimed.type,
            sequence: claimed.seq,
            occurredAt: claimed.occurredAt.toISOString(),
            data: JSON.parse(JSON.stringify(claimed.data)) as unknown,
          },
          attempt: claimed.attempts,
          claimToken: claimed.claimToken ?? '',
        };
      });
    });
  }

  markDelivered(event: ClaimedOutboxEvent): Promise<void> {
    return this.settle(event, () => ({ status: 'DELIVERED', deliveredAt: this.clock.now() }));
  }

  scheduleRetry(event: ClaimedOutboxEvent, nextAttemptAt: Date, error: string): Promise<void> {
    return this.settle(event, () => ({ nextAttemptAt: new Date(nextAttemptAt.getTime()), lastError: error }));
  }

  park(event: ClaimedOutboxEvent, error: string): Promise<void> {
    return this.settle(event, () => ({ status: 'FAILED', lastError: error }));
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

  /** Records the outcome of a claim if it is still the current claim of a PENDING event. */
  private settle(event: ClaimedOutboxEvent, outcome: () => Partial<StoredOutboxEvent>): Promise<void> {
    return this.database.transaction((state: InMemoryState) => {
      const row = state.outbox.get(event.envelope.eventId);
      if (!row || row.status !== 'PENDING' || row.claimToken !== event.claimToken) return;
      state.outbox.set(row.eventId, { ...row, ...outcome(), leaseUntil: null, claimToken: null });
    });
  }
}
