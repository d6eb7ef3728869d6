import type { ContendedUnits } from '@storefront/application';
import { Counter, Gauge, type Registry } from 'prom-client';

/*
 * The admission gate of contended units (a rush's coupon, a flash sale's product): how many
 * requests wait in memory right now, and how often one had to. A gate that waits a lot while
 * units are still left would show as latency with an idle pool; these two tell that story.
 */
export function registerAdmissionMetrics(registry: Registry, gate: Pick<ContendedUnits, 'figures'>): void {
  new Gauge({
    name: 'storefront_admission_waiting_requests',
    help: 'Requests waiting in memory for units of a contended coupon or product held by this process\'s transactions in progress',
    registers: [registry],
    collect() {
      this.set(gate.figures().waiting);
    },
  });
  let counted = 0;
  new Counter({
    name: 'storefront_admission_waits_total',
    help: 'Times a request waited at the admission gate instead of opening a transaction that could only fail',
    registers: [registry],
    collect() {
      // The gate keeps its own running count; the counter catches up to it at each scrape.
      const { waits } = gate.figures();
      this.inc(waits - counted);
      counted = waits;
    },
  });
}
