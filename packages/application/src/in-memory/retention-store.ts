import type { RetentionStore } from '../ports';
import type { InMemoryDatabase } from './database';

/** Retention over the in-memory database, with the PostgreSQL store's batches and rules. */
export class InMemoryRetentionStore implements RetentionStore {
  constructor(private readonly database: InMemoryDatabase) {}

  purgeDeliveredEvents(before: Date, limit: number): Promise<number> {
    return this.database.transaction((state) => {
      const expired = [...state.outbox.values()]
        .filter((e) => e.status === 'DELIVERED' && e.deliveredAt !== null && e.deliveredAt < before)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit);
      for (const e of expired) state.outbox.delete(e.eventId);
      return expired.length;
    });
  }

  purgeIdempotencyKeys(before: Date, limit: number): Promise<number> {
    return this.database.transaction((state) => {
      const expired = [...state.idempotencyKeys.entries()].filter(([, k]) => k.createdAt < before).slice(0, limit);
      for (const [key] of expired) state.idempotencyKeys.delete(key);
      return expired.length;
    });
  }
}
