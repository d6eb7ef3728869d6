import type { OutboxEventView, OutboxQueries, OutboxStatus, Page, PageRequest } from '../../ports';

export class ListOutboxEvents {
  constructor(private readonly outbox: OutboxQueries) {}

  execute(input: { status: OutboxStatus; page: PageRequest }): Promise<Page<OutboxEventView>> {
    return this.outbox.events(input.status, input.page);
  }
}
