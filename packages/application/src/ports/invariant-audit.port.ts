/** One broken invariant (its number in docs/architecture.md#invariants), where (`user 7`, `order 12`), and what is wrong. */
export interface InvariantFinding {
  invariant: number;
  subject: string;
  detail: string;
}

/**
 * `full`: every row. `incremental`: what can have changed since the last audit that found
 * nothing (every wallet, product and coupon, and the orders, history rows and events since), in
 * time that grows with the changes rather than with all orders; the whole audit when there was no
 * such audit yet, or the last one found something.
 */
export const AUDIT_SCOPES = ['incremental', 'full'] as const;
export type AuditScope = (typeof AUDIT_SCOPES)[number];

export interface InvariantAudit {
  /** What was checked: an incremental audit without a clean audit before it is full. */
  scope: AuditScope;
  findings: InvariantFinding[];
}

/**
 * Checks the invariants on the live data, all within `budgetMs`, no charge above `maxBalance`
 * among them. A check the budget did not reach is itself a finding (subject `audit`): an audit
 * never passes on what it did not look at.
 */
export interface InvariantAuditor {
  audit(options: { budgetMs: number; maxBalance: number; scope: AuditScope }): Promise<InvariantAudit>;
}
