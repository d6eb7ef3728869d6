import type { AuditInvariants, AuditReport } from '@storefront/application';
import { Gauge, type Registry } from 'prom-client';
import type { SchedulerLogger } from './logger';

/** At most this many violations go into one log line; the count says how many there were. */
const LOGGED_VIOLATIONS = 20;

/**
 * The live audit the scheduler runs after each daily aggregation: violations are logged at
 * error (someone must look today), and the last report stays readable for a metric
 * (`violationCount`), so an alert needs no log search.
 */
export class InvariantAuditJob {
  private last: AuditReport | null = null;

  constructor(
    private readonly audit: Pick<AuditInvariants, 'execute'>,
    private readonly logger: SchedulerLogger,
  ) {}

  /** Runs the audit once; a failure to run it is logged and never thrown. */
  async run(): Promise<void> {
    try {
      const report = await this.audit.execute();
      this.last = report;
      if (report.ok) {
        this.logger.info({ durationMs: report.durationMs, scope: report.scope }, 'invariant audit: every invariant holds');
      } else {
        this.logger.error(
          { durationMs: report.durationMs, scope: report.scope, violationCount: report.violations.length, violations: report.violations.slice(0, LOGGED_VIOLATIONS) },
          'invariant audit found violations',
        );
      }
    } catch (error) {
      this.logger.error({ err: error }, 'invariant audit could not run');
    }
  }

  /** Violations found by the last audit that ran; null before the first. */
  violationCount(): number | null {
    return this.last === null ? null : this.last.violations.length;
  }

  lastReport(): AuditReport | null {
    return this.last;
  }

  /** The count as the gauge `storefront_invariant_violations` of the process's registry (GET /metrics). */
  exportCountTo(registry: Registry): void {
    const count = (): number => this.violationCount() ?? 0;
    new Gauge({
      name: 'storefront_invariant_violations',
      help: 'Invariant violations the last audit found (it runs after each daily aggregation); 0 before the first',
      registers: [registry],
      collect() {
        this.set(count());
      },
    });
  }
}
