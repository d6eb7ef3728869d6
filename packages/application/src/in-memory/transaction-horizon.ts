import type { Clock, TransactionHorizon } from '../ports';
import type { InMemoryDatabase } from './database';

/** In memory, transactions run one at a time: the horizon is behind the ones queued now. */
export class InMemoryTransactionHorizon implements TransactionHorizon {
  constructor(
    private readonly database: InMemoryDatabase,
    private readonly clock: Clock,
  ) {}

  async awaitOpenTransactions(): Promise<Date | null> {
    const at = this.clock.now();
    await this.database.transaction(() => undefined);
    return at;
  }
}
