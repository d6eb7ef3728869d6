import type { InvariantAudit, InvariantAuditor } from '../ports';
import { invariantFindings } from '../testing/invariants';
import type { InMemoryDatabase } from './database';
import { snapshotOf } from './state';

/** The audit over the committed in-memory state: the same checks the unit tests run, always over everything. */
export class InMemoryInvariantAuditor implements InvariantAuditor {
  constructor(private readonly database: InMemoryDatabase) {}

  audit(options: { maxBalance: number }): Promise<InvariantAudit> {
    return Promise.resolve({ scope: 'full', findings: invariantFindings(snapshotOf(this.database.committed), { maxBalance: options.maxBalance }) });
  }
}
