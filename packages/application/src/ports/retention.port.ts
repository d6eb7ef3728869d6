/**
 * What the scheduler purges once it is past keeping. Each call deletes at most `limit` rows in
 * one short statement and answers how many it deleted, so a large backlog goes in bounded
 * batches that never hold many locks or a long transaction.
 */
export interface RetentionStore {
  /** Delivered events (with their delivery logs) delivered before `before`. */
  purgeDeliveredEvents(before: Date, limit: number): Promise<number>;
  /** Idempotency keys created before `before`. */
  purgeIdempotencyKeys(before: Date, limit: number): Promise<number>;
}
