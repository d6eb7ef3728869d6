import type { InvariantAuditor, InvariantFinding } from '../ports';
import { invariantFindings } from '../testing/invariants';
import type { InMemoryDatabase } from './database';
import { snapshotOf } from './state';

/** The audit over the committed in-memory state: the same checks the unit tests run. */
export class InMemoryInvariantAuditor implements InvariantAuditor {
  constructor(private readonly database: InMemoryDatabase) {}

  audit(options: { maxBalance: number }): Promise<InvariantFinding[]> {
    return Promise.resolve(invariantFindings(snapshotOf(this.database.committed), { maxBalance: options.maxBalance }));
  }
}
