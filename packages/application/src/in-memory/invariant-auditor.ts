import type { InvariantAuditor, InvariantFinding } from '../ports';
import { invariantFindings } from '../testing/invariants';
import type { InMemoryDatabase } from './database';
import { snapshotOf } from './state';

/** The audit over the committed in-memory state: the same checks the unit tests run. */
export class InMemoryInvariantAuditor implements InvariantAuditor {
  constructor(
    private readonly database: InMemoryDatabase,
    private readonly maxBalance?: number,
  ) {}

  audit(): Promise<InvariantFinding[]> {
    return Promise.resolve(invariantFindings(snapshotOf(this.database.committed), this.maxBalance === undefined ? {} : { maxBalance: this.maxBalance }));
  }
}
