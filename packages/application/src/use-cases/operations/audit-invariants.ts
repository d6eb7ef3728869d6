import type { Money } from '@storefront/domain';
import type { AuditScope, Clock, InvariantAuditor, InvariantFinding } from '../../ports';

/**
 * The budget of an audit someone waits for (GET /admin/audit): incremental, it grows with the
 * changes since the last clean audit, not with all orders (the whole audit took 48 s at 1,000,000).
 */
export const DEFAULT_AUDIT_BUDGET_MS = 10_000;
/** The nightly full audit's budget (AUDIT_FULL_BUDGET_MS): nobody waits for it; it must reach every row. */
export const DEFAULT_FULL_AUDIT_BUDGET_MS = 600_000;

export interface AuditPolicy {
  /** What an audit checks unless told: `incremental` for GET /admin/audit, `full` for the scheduler's nightly run. */
  scope: AuditScope;
  budgetMs: number;
}

export interface AuditReport {
  checkedAt: Date;
  durationMs: number;
  /** What was checked: an incremental audit with no clean audit before it checks everything. */
  scope: AuditScope;
  ok: boolean;
  violations: InvariantFinding[];
}

/**
 * `GET /admin/audit`, and the scheduler after each daily aggregation: the invariants of docs/architecture.md
 * checked on the live data within a time budget, so an operator learns of a broken one the
 * same day rather than from a customer.
 */
export class AuditInvariants {
  constructor(
    private readonly auditor: InvariantAuditor,
    private readonly clock: Clock,
    private readonly policy: AuditPolicy,
    /** The ceiling (MAX_BALANCE) no charge may have passed. */
    private readonly maxBalance: Money,
  ) {}

  async execute(input: { scope?: AuditScope } = {}): Promise<AuditReport> {
    const checkedAt = this.clock.now();
    const audit = await this.auditor.audit({ budgetMs: this.policy.budgetMs, maxBalance: this.maxBalance.won, scope: input.scope ?? this.policy.scope });
    const durationMs = Math.max(0, this.clock.now().getTime() - checkedAt.getTime());
    return { checkedAt, durationMs, scope: audit.scope, ok: audit.findings.length === 0, violations: audit.findings };
  }
}
