import type { Money } from '@storefront/domain';
import type { Clock, InvariantAuditor, InvariantFinding } from '../../ports';

/** Well inside the service's 30 s statement guard, and far above what 50,000 orders take (0.5 s). */
export const DEFAULT_AUDIT_BUDGET_MS = 10_000;

export interface AuditReport {
  checkedAt: Date;
  durationMs: number;
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
    private readonly budgetMs: number,
    /** The ceiling (MAX_BALANCE) no charge may have passed. */
    private readonly maxBalance: Money,
  ) {}

  async execute(): Promise<AuditReport> {
    const checkedAt = this.clock.now();
    const violations = await this.auditor.audit({ budgetMs: this.budgetMs, maxBalance: this.maxBalance.won });
    const durationMs = Math.max(0, this.clock.now().getTime() - checkedAt.getTime());
    return { checkedAt, durationMs, ok: violations.length === 0, violations };
  }
}
