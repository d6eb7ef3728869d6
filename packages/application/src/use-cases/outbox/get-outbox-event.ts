import { DomainError, ErrorCode } from '@storefront/domain';
import type { OutboxEventDetail, OutboxQueries } from '../../ports';

/** One event with every delivery attempt and when the next one is due (`GET /admin/outbox/{eventId}`). */
export class GetOutboxEvent {
  constructor(private readonly outbox: OutboxQueries) {}

  async execute(input: { eventId: string }): Promise<OutboxEventDetail> {
    const event = await this.outbox.event(input.eventId);
    if (!event) throw new DomainError(ErrorCode.NotFound, `Outbox event ${input.eventId} does not exist`, { eventId: input.eventId });
    return event;
  }
}
