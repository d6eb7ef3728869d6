/** One broken invariant (its number in docs/architecture.md#invariants), where (`user 7`, `order 12`), and what is wrong. */
export interface InvariantFinding {
  invariant: number;
  subject: string;
  detail: string;
}

/**
 * Checks the invariants on the live data, all within `budgetMs`, no charge above `maxBalance`
 * among them. A check the budget did not reach is itself a finding (subject `audit`): an audit
 * never passes on what it did not look at.
 */
export interface InvariantAuditor {
  audit(options: { budgetMs: number; maxBalance: number }): Promise<InvariantFinding[]>;
}
