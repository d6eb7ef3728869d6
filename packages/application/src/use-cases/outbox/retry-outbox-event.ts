import { DomainError, ErrorCode } from '@storefront/domain';
import type { OutboxRelayStore } from '../../ports';

/** Re-drives an event parked as FAILED: the relay delivers it again on its next pass. */
export class RetryOutboxEvent {
  constructor(private readonly outbox: OutboxRelayStore) {}

  async execute(input: { eventId: string }): Promise<{ eventId: string; status: 'PENDING' }> {
    const result = await this.outbox.requeueFailed(input.eventId);
    if (result === 'NOT_FOUND') {
      throw new DomainError(ErrorCode.NotFound, `Outbox event ${input.eventId} does not exist`, { eventId: input.eventId });
    }
    if (result === 'NOT_FAILED') {
      throw new DomainError(ErrorCode.OutboxEventNotFailed, `Outbox event ${input.eventId} is not parked as FAILED`, {
        eventId: input.eventId,
      });
    }
    return { eventId: input.eventId, status: 'PENDING' };
  }
}
