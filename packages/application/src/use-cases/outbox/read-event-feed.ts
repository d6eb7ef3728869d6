import type { OrderEventType } from '../../events/order-event';
import type { EventFeedPage, OutboxQueries } from '../../ports';

export interface ReadEventFeedInput {
  /** The last sequence the reader has; 0 from the start. */
  after: number;
  limit: number;
  type: OrderEventType | null;
}

/**
 * The replay feed (`GET /admin/events`): every event still kept, ascending by sequence, with its
 * delivery status. A reader that keeps passing `nextAfter` back sees every event exactly once.
 */
export class ReadEventFeed {
  constructor(private readonly outbox: OutboxQueries) {}

  execute(input: ReadEventFeedInput): Promise<EventFeedPage> {
    return this.outbox.feed(input.after, input.limit, input.type);
  }
}
