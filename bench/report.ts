import { z } from 'zod';

/*
 * The benchmark's results: the JSON shape (checked with zod, so the unit test and the run itself
 * agree on it), the targets, and the two human views of the same figures — a markdown table and
 * an SVG chart of service vs ceiling throughput. Pure functions only: `run.ts` measures, this
 * file only turns measurements into a report, so it can be tested with fake measurements.
 */

export const SCENARIO_NAMES = ['coupon-rush', 'hot-product-order', 'charge', 'product-read', 'mixed', 'flash-sale', 'cancel', 'refund'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

const machineSchema = z.strictObject({
  cpus: z.number().int().positive(),
  model: z.string(),
  memGiB: z.number().positive(),
  node: z.string(),
  postgres: z.string(),
});
export type Machine = z.infer<typeof machineSchema>;

/** One fixed arrival rate of the open loop: latency from each request's due time to its answer. */
const openLoopPointSchema = z.strictObject({
  rate: z.number().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** CPU time the host's page reclaim (DAMON's kdamond threads) took during this rate, per second; absent where there is none. */
  hostReclaimMsPerSecond: z.number().nonnegative().optional(),
  /** The service's young-generation collections during this rate: its event loop's stopped time per second, and their mean pause; absent where /metrics did not say. */
  serviceYoungGcMsPerSecond: z.number().nonnegative().optional(),
  serviceYoungGcMeanPauseMs: z.number().nonnegative().optional(),
});
export type OpenLoopPoint = z.infer<typeof openLoopPointSchema>;

/**
 * The coupon rush's sell-out phase, apart from its refusals: issues ÷ the time from the first
 * request to the last unit issued, beside the same route spread over 100 coupons with plenty of
 * units (same run) and beside one hot row. `inArrivalOrder`: the share of the units that went to
 * the first `totalQuantity` requests sent (1 = strictly first come, first served; trivially 1 when
 * the concurrency is at least the units, since those all go out at once); `pairsInArrivalOrder`:
 * of every two units issued, the share whose answers came in the order their requests were sent.
 */
const sellOutSchema = z.strictObject({
  tps: z.number().nonnegative(),
  uncontendedTps: z.number().nonnegative().nullable(),
  uncontendedRatio: z.number().nonnegative().nullable(),
  hotRowRatio: z.number().nonnegative().nullable(),
  issued: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  inArrivalOrder: z.number().min(0).max(1).nullable(),
  /** Of every two units issued, the share answered in the order their requests were sent (1 = no overtaking). */
  pairsInArrivalOrder: z.number().min(0).max(1).nullable(),
  /**
   * The uncontended run's first `issued` issues ÷ the time to the last of them: the rush's twin,
   * paying the same opening burst of requests on the same pool (a diagnostic: the target stays
   * the ratio to the whole uncontended run).
   */
  uncontendedSameUnitsTps: z.number().nonnegative().nullable().optional(),
  sameUnitsRatio: z.number().nonnegative().nullable().optional(),
});
type SellOut = z.infer<typeof sellOutSchema>;

const scenarioResultSchema = z.strictObject({
  name: z.enum(SCENARIO_NAMES),
  requests: z.number().int().nonnegative(),
  concurrency: z.number().int().positive(),
  tps: z.number().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  errors: z.number().int().nonnegative(),
  ceilingTps: z.number().nonnegative().nullable(),
  ratio: z.number().nonnegative().nullable(),
  invariantsOk: z.boolean(),
  leanCeilingTps: z.number().nonnegative().nullable(),
  leanRatio: z.number().nonnegative().nullable(),
  hotRowCeilingTps: z.number().nonnegative().nullable(),
  hotRowRatio: z.number().nonnegative().nullable(),
  openLoop: z.array(openLoopPointSchema),
  /** The same rates with the host's page reclaim paused (bench/lib/host-reclaim.ts); absent where the bench may not pause it. */
  openLoopQuietHost: z.array(openLoopPointSchema).optional(),
  /** flash-sale only: orders paid per second spread over 100 products, same run, same shapes. */
  spreadTps: z.number().nonnegative().nullable().optional(),
  spreadRatio: z.number().nonnegative().nullable().optional(),
  /** coupon-rush only. */
  sellOut: sellOutSchema.optional(),
  /** coupon-rush, full runs: the same for 100,000 users and 10,000 units. */
  sellOutLarge: sellOutSchema.optional(),
});
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

/** One read of the `--scale` run at one data size. */
const scaleReadSchema = z.strictObject({
  name: z.string(),
  requests: z.number().int().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  errors: z.number().int().nonnegative(),
});
export type ScaleRead = z.infer<typeof scaleReadSchema>;

const scaleSizeSchema = z.strictObject({
  orders: z.number().int().nonnegative(),
  historyRows: z.number().int().nonnegative(),
  users: z.number().int().nonnegative(),
  dayOrders: z.number().int().nonnegative(),
  seedSeconds: z.number().nonnegative(),
  reads: z.array(scaleReadSchema),
  /** The audit's own verdict on the seeded data (the seed must be consistent). */
  auditOk: z.boolean().nullable(),
  /** Checks of the audit its time budget did not reach (0: it fit); absent in runs before it was counted. */
  auditChecksNotReached: z.number().int().nonnegative().optional(),
  /** The full audit (the first one, and the scheduler's nightly one), without the 10 s budget; absent in runs before the audit was incremental. */
  auditFullMs: z.number().nonnegative().optional(),
  /** Charges and orders made through the service before the (incremental) audit read. */
  writesBeforeAudit: z.number().int().nonnegative().optional(),
});
export type ScaleSize = z.infer<typeof scaleSizeSchema>;

/** `pnpm bench --scale`: the same reads at two data sizes, 10× apart. */
const scaleSchema = z.strictObject({
  startedAt: z.iso.datetime({ offset: true }),
  small: scaleSizeSchema,
  large: scaleSizeSchema,
});
export type ScaleReport = z.infer<typeof scaleSchema>;

export const benchReportSchema = z.strictObject({
  machine: machineSchema,
  startedAt: z.iso.datetime({ offset: true }),
  scenarios: z.array(scenarioResultSchema),
  /** From the last `pnpm bench --scale` run (kept across ordinary runs); null before the first. */
  scale: scaleSchema.nullable().optional(),
});
export type BenchReport = z.infer<typeof benchReportSchema>;

interface SellOutMeasurement {
  issued: number;
  /** From the first request to the last unit issued. */
  seconds: number;
  uncontendedTps: number | null;
  /** The uncontended run's first `issued` issues, from its first request. */
  uncontendedSameUnitsTps?: number | null;
  inArrivalOrder: number | null;
  pairsInArrivalOrder: number | null;
}

/** What one scenario measured, before ratios and verdicts are derived from it. */
export interface ScenarioMeasurement {
  name: ScenarioName;
  requests: number;
  concurrency: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Null when the ceiling could not be measured (the report then says so). */
  ceilingTps: number | null;
  /** The fewest statements a DBA would write for the same effect and guarantees (bench/sql-lean). */
  leanCeilingTps?: number | null;
  /** One hot row updated and committed: the limit of any design that serialises on one row. */
  hotRowCeilingTps?: number | null;
  invariantsOk: boolean;
  openLoop?: OpenLoopPoint[];
  openLoopQuietHost?: OpenLoopPoint[];
  spreadTps?: number | null;
  sellOut?: SellOutMeasurement;
  sellOutLarge?: SellOutMeasurement;
  /** Free-form lines for the markdown only: status counts, ceiling setup, clamps. */
  notes?: string[];
}

/** Minimum service ÷ ceiling throughput per scenario (issue 7); `mixed` has no ratio target. */
const RATIO_TARGETS: Partial<Record<ScenarioName, { min: number; ceiling: string }>> = {
  'coupon-rush': { min: 1.0, ceiling: 'one hot counter row, `UPDATE … WHERE remaining > 0` (pgbench)' },
  'hot-product-order': { min: 0.8, ceiling: 'the order transaction, product locked last (pgbench)' },
  charge: { min: 0.6, ceiling: 'the charge transaction (pgbench)' },
  'product-read': { min: 0.5, ceiling: 'a bare Fastify route returning a constant (autocannon)' },
};
const MIXED_CEILING = 'the same mix of the service’s SQL transactions, weighted (pgbench)';

/** The three ceilings of each scenario, named as the report names them (issue 14, item 1). */
const CEILINGS: Record<ScenarioName, { service: string; lean: string | null; hotRow: string | null }> = {
  'coupon-rush': {
    service: RATIO_TARGETS['coupon-rush']?.ceiling ?? '',
    lean: 'one statement: claim a unit from a free shard and insert the user’s copy (`WITH … UPDATE … RETURNING` → `INSERT`), unique key guarding a second copy ([sql](../sql-lean/coupon-issue.sql))',
    hotRow: 'one hot row updated and committed ([sql](../sql-lean/hot-row.sql))',
  },
  'hot-product-order': {
    service: RATIO_TARGETS['hot-product-order']?.ceiling ?? '',
    lean: 'one statement: stock, wallet, order, line, history and event in data-modifying CTEs; CHECKs refuse an oversell or an overdraft ([sql](../sql-lean/order.sql))',
    hotRow: 'one hot row updated and committed ([sql](../sql-lean/hot-row.sql))',
  },
  charge: {
    service: RATIO_TARGETS.charge?.ceiling ?? '',
    lean: 'one statement: `WITH … INSERT … ON CONFLICT DO UPDATE … WHERE balance + amount <= ceiling RETURNING` feeding the history `INSERT` ([sql](../sql-lean/charge.sql))',
    hotRow: null,
  },
  'product-read': { service: RATIO_TARGETS['product-read']?.ceiling ?? '', lean: null, hotRow: null },
  mixed: {
    service: MIXED_CEILING,
    lean: 'the same mix of the lean statements, weighted ([sql](../sql-lean/))',
    hotRow: null,
  },
  'flash-sale': {
    service: 'the service’s order transaction on one hot product (pgbench; one unit, no coupon)',
    lean: 'the lean order statement on one hot product ([sql](../sql-lean/order.sql))',
    hotRow: 'one hot row updated and committed ([sql](../sql-lean/hot-row.sql))',
  },
  cancel: {
    service: 'the service’s cancel transaction on orders of one line (pgbench)',
    lean: 'one statement: the order CANCELLED if still PAID, the wallet credited with its REFUND row, the units back in a shard and the event, in data-modifying CTEs ([sql](../sql-lean/cancel.sql))',
    hotRow: null,
  },
  refund: {
    service: 'the service’s refund transaction, one unit of an order of one line, restocked (pgbench)',
    lean: 'one statement: the line’s units and the order REFUNDED if still PAID, the refund and its line, the wallet credited with its REFUND row, the unit back in a shard and the event, in data-modifying CTEs ([sql](../sql-lean/refund.sql))',
    hotRow: null,
  },
};

/** The open loop's arrival rates, as shares of the closed-loop throughput just measured. */
export const OPEN_LOOP_SHARES = [0.25, 0.5, 0.75] as const;
/** Open-loop p99 targets (issue 14, item 5), for the scenarios they apply to. */
const OPEN_LOOP_TARGETS: Partial<Record<ScenarioName, { share: number; p99Ms: number }[]>> = Object.fromEntries(
  (['charge', 'hot-product-order', 'product-read'] as const).map((name) => [name, [{ share: 0.5, p99Ms: 50 }, { share: 0.75, p99Ms: 250 }]]),
);
const SELL_OUT_TARGET = 0.8;
const SPREAD_TARGET = 0.8;
const LEAN_TARGETS: Partial<Record<ScenarioName, number>> = { charge: 0.3 };

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

const times = (ratio: number | null | undefined): string => (ratio === null || ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}×`);
const fmt = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined ? 'n/a' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Every target that applies to one scenario, each met or missed. Latency targets are the open
 * loop's only: in a closed loop, latency is concurrency ÷ throughput by construction.
 */
export function verdicts(s: ScenarioResult): Verdict[] {
  const out: Verdict[] = [];
  const ratioTarget = RATIO_TARGETS[s.name];
  if (ratioTarget) out.push({ target: `ratio ≥ ${ratioTarget.min.toFixed(1)}×`, measured: times(s.ratio), met: s.ratio !== null && s.ratio >= ratioTarget.min });
  const leanTarget = LEAN_TARGETS[s.name];
  if (leanTarget !== undefined) out.push({ target: `lean ratio ≥ ${leanTarget.toFixed(1)}×`, measured: times(s.leanRatio), met: s.leanRatio !== null && s.leanRatio >= leanTarget });
  for (const [label, o] of [['sell-out', s.sellOut], ['large sell-out', s.sellOutLarge]] as const) {
    if (o) out.push({ target: `${label} ≥ ${SELL_OUT_TARGET.toFixed(1)}× uncontended`, measured: times(o.uncontendedRatio), met: o.uncontendedRatio !== null && o.uncontendedRatio >= SELL_OUT_TARGET });
  }
  if (s.name === 'flash-sale') {
    const r = s.spreadRatio ?? null;
    out.push({ target: `≥ ${SPREAD_TARGET.toFixed(1)}× spread`, measured: times(r), met: r !== null && r >= SPREAD_TARGET });
  }
  for (const [pass, points] of [['', s.openLoop], [', host reclaim paused', s.openLoopQuietHost]] as const) {
    if (!points) continue;
    for (const t of OPEN_LOOP_TARGETS[s.name] ?? []) {
      const point = points[OPEN_LOOP_SHARES.indexOf(t.share as (typeof OPEN_LOOP_SHARES)[number])];
      out.push({
        target: `open loop at ${t.share * 100} %${pass}: p99 < ${t.p99Ms} ms`,
        measured: point ? `${fmt(point.p99Ms, 1)} ms at ${fmt(point.rate)}/s` : 'not run',
        met: point !== undefined && point.p99Ms < t.p99Ms && point.errors === 0,
      });
    }
  }
  out.push({ target: '0 errors', measured: String(s.errors), met: s.errors === 0 });
  out.push({ target: 'invariants hold', measured: s.invariantsOk ? 'ok' : 'violated', met: s.invariantsOk });
  return out;
}

export function renderMarkdown(report: BenchReport, notes: ReadonlyMap<ScenarioName, readonly string[]> = new Map(), extra: readonly string[] = []): string {
  const m = report.machine;
  const lines: string[] = [
    '# Benchmark report',
    '',
    `Run started ${report.startedAt} on ${m.cpus} × ${m.model}, ${m.memGiB} GiB, Node ${m.node}, ${m.postgres}.`,
    'Throughput is in requests (service) or transactions (pgbench) per second; ratios are service ÷ ceiling,',
    'both measured in this same run on this machine. Generated by `pnpm bench`; do not edit by hand.',
    '',
    '![service vs ceiling](latest.svg)',
    '',
    '| scenario | requests | concurrency | tps | ceiling tps | ratio | lean tps | lean ratio | hot-row tps | hot-row ratio | p50 ms | p99 ms (closed loop) | errors | invariants |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of report.scenarios) {
    lines.push(
      `| ${s.name} | ${fmt(s.requests)} | ${s.concurrency} | ${fmt(s.tps)} | ${fmt(s.ceilingTps)} | ${times(s.ratio)} | ${fmt(s.leanCeilingTps)} | ${times(s.leanRatio)} | ${fmt(s.hotRowCeilingTps)} | ${times(s.hotRowRatio)} | ${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ${s.errors} | ${s.invariantsOk ? 'ok' : '**violated**'} |`,
    );
  }
  lines.push('', '## Ceilings', '', 'Each measured in this run on a copy of the seeded database, at the scenario\'s concurrency (or as many clients as the server had free).', '', '| scenario | service\'s own SQL | lean SQL | hot row |', '|---|---|---|---|');
  for (const s of report.scenarios) {
    const c = CEILINGS[s.name];
    lines.push(`| ${s.name} | ${c.service} | ${c.lean ?? '—'} | ${c.hotRow ?? '— (no hot row)'} |`);
  }
  const rush = report.scenarios.find((s) => s.sellOut);
  if (rush?.sellOut) lines.push('', '## Coupon rush: the sell-out');
  for (const o of [rush?.sellOut, rush?.sellOutLarge]) {
    if (!o) continue;
    lines.push(
      '',
      `The ${fmt(o.issued)} units went out in ${fmt(o.seconds, 2)} s from the first request: **${fmt(o.tps)} issues/s**, refusals excluded. ` +
        `The same route spread over 100 coupons with plenty of units, same run: ${fmt(o.uncontendedTps)} issues/s → sell-out ${times(o.uncontendedRatio)} uncontended; ` +
        `${times(o.hotRowRatio)} of one hot row. ` +
        (o.uncontendedSameUnitsTps == null ? '' : `The uncontended run's own first ${fmt(o.issued)} issues, from the same opening burst: ${fmt(o.uncontendedSameUnitsTps)} issues/s → ${times(o.sameUnitsRatio ?? null)}. `) +
        `${o.inArrivalOrder === null ? '' : `${(o.inArrivalOrder * 100).toFixed(1)} % of the units went to the first ${fmt(o.issued)} requests sent (100 % = strictly in arrival order)`}${o.pairsInArrivalOrder === null ? '' : `; of every two units, ${(o.pairsInArrivalOrder * 100).toFixed(1)} % were answered in the order their requests were sent`}.`,
    );
  }
  const flash = report.scenarios.find((s) => s.name === 'flash-sale');
  if (flash) {
    lines.push(
      '',
      '## Flash sale',
      '',
      `Orders paid per second while the hot products sold out: **${fmt(flash.tps)}/s**; the same orders spread over 100 products, same run: ${fmt(flash.spreadTps)}/s → ${times(flash.spreadRatio)} (target ≥ ${SPREAD_TARGET}×). ` +
        `${times(flash.hotRowRatio)} of one hot row, ${times(flash.leanRatio)} of the lean order statement on one product.`,
    );
  }
  const looped = report.scenarios.filter((s) => s.openLoop.length > 0);
  if (looped.length > 0) {
    lines.push(
      '',
      '## Open loop',
      '',
      'Requests arrive at a fixed rate — 25, 50 and 75 % of the closed-loop throughput just measured — whatever the answers; latency runs from each request\'s due time to its answer, so a queue shows.',
      'Each rate runs with the host as it is, then — where the bench may — again with the host\'s page reclaim (DAMON\'s kdamond, which takes one of the two cores for 20–40 ms every half second) paused; the host column is the CPU time it took during the rate.',
      'The service\'s young-generation collections (scavenges) during the rate, from its own /metrics: the time its event loop stood still for them per second, and their mean pause.',
      '',
      '![latency vs arrival rate](latest-open-loop.svg)',
      '',
      '| scenario | host | rate /s | p50 ms | p99 ms | errors | host reclaim ms/s | service scavenges ms/s | mean scavenge ms |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of looped) {
      for (const [host, points] of [['as is', s.openLoop], ['reclaim paused', s.openLoopQuietHost ?? []]] as const) {
        for (const p of points) {
          lines.push(
            `| ${s.name} | ${host} | ${fmt(p.rate)} | ${fmt(p.p50Ms, 1)} | ${fmt(p.p99Ms, 1)} | ${p.errors} | ${fmt(p.hostReclaimMsPerSecond, 1)} | ${fmt(p.serviceYoungGcMsPerSecond, 1)} | ${fmt(p.serviceYoungGcMeanPauseMs, 1)} |`,
          );
        }
      }
    }
  }
  lines.push('', '## Targets', '', '| scenario | target | measured | verdict |', '|---|---|---|---|');
  for (const s of report.scenarios) {
    for (const v of verdicts(s)) lines.push(`| ${s.name} | ${v.target} | ${v.measured} | ${v.met ? 'met' : '**missed**'} |`);
  }
  if (report.scale) lines.push('', ...renderScaleMarkdown(report.scale));
  const noted = report.scenarios.filter((s) => (notes.get(s.name)?.length ?? 0) > 0);
  if (noted.length > 0 || extra.length > 0) {
    lines.push('', '## Notes', '');
    for (const s of noted) {
      lines.push(`- **${s.name}**`);
      for (const note of notes.get(s.name) ?? []) lines.push(`  - ${note}`);
    }
    for (const note of extra) lines.push(`- ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

function auditVerdict(z: ScaleSize): string {
  const full = z.auditFullMs === undefined ? '' : `full audit ${fmt(z.auditFullMs / 1000, 1)} s (first and nightly); `;
  const incremental = z.writesBeforeAudit === undefined ? 'audit' : `incremental audit after ${fmt(z.writesBeforeAudit)} writes`;
  if (z.auditChecksNotReached) return `${full}${incremental} **out of its time budget: ${z.auditChecksNotReached} checks not reached**`;
  return `${full}${incremental} ${z.auditOk === null ? 'not run' : z.auditOk ? 'clean, inside its time budget' : '**found violations**'}`;
}

/** The `--scale` section: each read's p99 at both sizes and their ratio (1.0× = cost flat in data size). */
export function renderScaleMarkdown(scale: ScaleReport): string[] {
  const size = (z: ScaleSize): string =>
    `${fmt(z.orders)} orders, ${fmt(z.historyRows)} history rows, ${fmt(z.users)} users, ${fmt(z.dayOrders)} orders on the aggregated day (seeded in ${fmt(z.seedSeconds)} s; ${auditVerdict(z)})`;
  const lines = [
    '## Cost against data size (`pnpm bench --scale`)',
    '',
    `Run started ${scale.startedAt}. Small: ${size(scale.small)}. Large: ${size(scale.large)}.`,
    '',
    '![p99 per read at both sizes](latest-scale.svg)',
    '',
    '| read | p50 ms small | p99 ms small | p50 ms large | p99 ms large | p99 large ÷ small | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of scale.large.reads) {
    const s = scale.small.reads.find((x) => x.name === r.name);
    const growth = s && s.p99Ms > 0 ? `${(r.p99Ms / s.p99Ms).toFixed(2)}×` : 'n/a';
    lines.push(`| ${r.name} | ${fmt(s?.p50Ms, 1)} | ${fmt(s?.p99Ms, 1)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${growth} | ${(s?.errors ?? 0) + r.errors} |`);
  }
  return lines;
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
const ratioOf = (tps: number, ceiling: number | null | undefined): number | null =>
  ceiling !== null && ceiling !== undefined && ceiling > 0 ? round(tps / ceiling, 3) : null;
const tpsOrNull = (tps: number | null | undefined): number | null => (tps === null || tps === undefined ? null : round(tps, 1));

function toScenarioResult(m: ScenarioMeasurement): ScenarioResult {
  const result: ScenarioResult = {
    name: m.name,
    requests: m.requests,
    concurrency: m.concurrency,
    tps: round(m.tps, 1),
    p50Ms: round(m.p50Ms, 1),
    p99Ms: round(m.p99Ms, 1),
    errors: m.errors,
    ceilingTps: tpsOrNull(m.ceilingTps),
    ratio: ratioOf(m.tps, m.ceilingTps),
    invariantsOk: m.invariantsOk,
    leanCeilingTps: tpsOrNull(m.leanCeilingTps),
    leanRatio: ratioOf(m.tps, m.leanCeilingTps),
    hotRowCeilingTps: tpsOrNull(m.hotRowCeilingTps),
    hotRowRatio: ratioOf(m.tps, m.hotRowCeilingTps),
    openLoop: toOpenLoopPoints(m.openLoop ?? []),
  };
  if (m.openLoopQuietHost) result.openLoopQuietHost = toOpenLoopPoints(m.openLoopQuietHost);
  if (m.name === 'flash-sale') {
    result.spreadTps = tpsOrNull(m.spreadTps);
    result.spreadRatio = ratioOf(m.tps, m.spreadTps);
  }
  if (m.sellOut) result.sellOut = toSellOut(m.sellOut, m.hotRowCeilingTps);
  if (m.sellOutLarge) result.sellOutLarge = toSellOut(m.sellOutLarge, m.hotRowCeilingTps);
  return result;
}

const toOpenLoopPoints = (points: readonly OpenLoopPoint[]): OpenLoopPoint[] =>
  points.map((p) => ({
    rate: round(p.rate, 1),
    p50Ms: round(p.p50Ms, 1),
    p99Ms: round(p.p99Ms, 1),
    errors: p.errors,
    ...(p.hostReclaimMsPerSecond === undefined ? {} : { hostReclaimMsPerSecond: round(p.hostReclaimMsPerSecond, 1) }),
    ...(p.serviceYoungGcMsPerSecond === undefined ? {} : { serviceYoungGcMsPerSecond: round(p.serviceYoungGcMsPerSecond, 1) }),
    ...(p.serviceYoungGcMeanPauseMs === undefined ? {} : { serviceYoungGcMeanPauseMs: round(p.serviceYoungGcMeanPauseMs, 1) }),
  }));

/** Refusals are not sell-out throughput: only the units issued, up to the last one. */
function toSellOut(o: SellOutMeasurement, hotRowCeilingTps: number | null | undefined): SellOut {
  const tps = o.seconds > 0 ? o.issued / o.seconds : 0;
  const share = (v: number | null): number | null => (v === null ? null : round(v, 3));
  return {
    tps: round(tps, 1),
    uncontendedTps: tpsOrNull(o.uncontendedTps),
    uncontendedRatio: ratioOf(tps, o.uncontendedTps),
    hotRowRatio: ratioOf(tps, hotRowCeilingTps),
    issued: o.issued,
    seconds: round(o.seconds, 3),
    inArrivalOrder: share(o.inArrivalOrder),
    pairsInArrivalOrder: share(o.pairsInArrivalOrder),
    uncontendedSameUnitsTps: tpsOrNull(o.uncontendedSameUnitsTps ?? null),
    sameUnitsRatio: ratioOf(tps, o.uncontendedSameUnitsTps ?? null),
  };
}

export function buildReport(machine: Machine, startedAt: Date, measurements: readonly ScenarioMeasurement[], scale: ScaleReport | null = null): BenchReport {
  return benchReportSchema.parse({
    machine,
    startedAt: startedAt.toISOString(),
    scenarios: measurements.map(toScenarioResult),
    scale,
  });
}

/**
 * The share of the units that went to the first `units` requests sent: 1 when issuance follows
 * arrival order exactly, lower when later arrivals overtook earlier ones. `issuedSendIndexes` are
 * the 0-based send positions of the requests that got a unit.
 */
export function arrivalOrderShare(issuedSendIndexes: readonly number[], units: number): number | null {
  if (units <= 0 || issuedSendIndexes.length === 0) return null;
  return issuedSendIndexes.filter((i) => i < units).length / Math.min(units, issuedSendIndexes.length);
}

/**
 * Of every two requests that got a unit, the share answered in the order they were sent: 1 minus
 * the inversions of the send positions listed in answer order, over all pairs (merge sort count).
 */
export function pairsInOrder(sendIndexesInAnswerOrder: readonly number[]): number | null {
  const n = sendIndexesInAnswerOrder.length;
  if (n < 2) return null;
  let inversions = 0;
  const sort = (a: number[]): number[] => {
    if (a.length < 2) return a;
    const left = sort(a.slice(0, a.length >> 1));
    const right = sort(a.slice(a.length >> 1));
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < left.length && j < right.length) {
      if (left[i]! <= right[j]!) out.push(left[i++]!);
      else {
        inversions += left.length - i;
        out.push(right[j++]!);
      }
    }
    return out.concat(left.slice(i), right.slice(j));
  };
  sort([...sendIndexesInAnswerOrder]);
  return 1 - inversions / ((n * (n - 1)) / 2);
}

/** Why a run must exit non-zero: a violated invariant, an error answer, a failed step. */
export function failuresOf(report: BenchReport, stepFailures: readonly string[] = []): string[] {
  const out = [...stepFailures];
  for (const s of report.scenarios) {
    if (!s.invariantsOk) out.push(`${s.name}: invariants violated`);
    if (s.errors > 0) out.push(`${s.name}: ${s.errors} errors`);
    const openLoopErrors = [...s.openLoop, ...(s.openLoopQuietHost ?? [])].reduce((sum, p) => sum + p.errors, 0);
    if (openLoopErrors > 0) out.push(`${s.name}: ${openLoopErrors} errors in the open loop`);
  }
  return out;
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Grouped bars, service vs ceiling, one group per scenario. Each group is drawn relative to its
 * own ceiling (ceiling = 1.0×), since the scenarios' throughputs differ by two orders of
 * magnitude; the bars are labelled with the absolute figures and a dashed line marks the target.
 */
export function renderSvg(report: BenchReport): string {
  const width = 760;
  const height = 380;
  const left = 60;
  const right = 20;
  const top = 60;
  const bottom = 80;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const highest = Math.max(1, ...report.scenarios.map((s) => s.ratio ?? 0), ...report.scenarios.map((s) => RATIO_TARGETS[s.name]?.min ?? 0));
  const axisMax = Math.ceil(highest * 1.15 * 4) / 4;
  const y = (ratio: number): number => top + plotH - (Math.min(ratio, axisMax) / axisMax) * plotH;
  const groupW = plotW / Math.max(1, report.scenarios.length);
  const barW = Math.min(48, groupW / 3);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">Service vs ceiling per scenario, ${escapeXml(report.startedAt)}</text>`,
    `<rect x="${left}" y="32" width="12" height="12" fill="#2f6fdf"/><text x="${left + 16}" y="42">service (req/s)</text>`,
    `<rect x="${left + 120}" y="32" width="12" height="12" fill="#b0b0b0"/><text x="${left + 136}" y="42">ceiling: its SQL under pgbench, or bare Fastify</text>`,
    `<line x1="${left + 430}" x2="${left + 452}" y1="38" y2="38" stroke="#d03030" stroke-dasharray="4 3" stroke-width="2"/><text x="${left + 458}" y="42">target ratio</text>`,
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">× its own ceiling</text>`,
  ];
  for (let v = 0; v <= axisMax + 1e-9; v += 0.25) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${v === 1 ? '#999' : '#e8e8e8'}"/>`,
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(2)}×</text>`,
    );
  }
  report.scenarios.forEach((s, i) => {
    const cx = left + groupW * i + groupW / 2;
    const bar = (x: number, ratio: number, label: string, fill: string): string =>
      `<rect x="${x.toFixed(1)}" y="${y(ratio).toFixed(1)}" width="${barW.toFixed(1)}" height="${(top + plotH - y(ratio)).toFixed(1)}" fill="${fill}"><title>${label}</title></rect>` +
      `<text x="${(x + barW / 2).toFixed(1)}" y="${(y(ratio) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${label}</text>`;
    if (s.ceilingTps !== null && s.ratio !== null) {
      parts.push(bar(cx - barW - 2, s.ratio, fmt(s.tps), '#2f6fdf'), bar(cx + 2, 1, fmt(s.ceilingTps), '#b0b0b0'));
    } else {
      parts.push(`<text x="${cx.toFixed(1)}" y="${(top + plotH - 8).toFixed(1)}" text-anchor="middle" fill="#555">${fmt(s.tps)} req/s, no ceiling</text>`);
    }
    const target = RATIO_TARGETS[s.name];
    if (target) {
      parts.push(
        `<line x1="${(cx - barW - 8).toFixed(1)}" x2="${(cx + barW + 8).toFixed(1)}" y1="${y(target.min).toFixed(1)}" y2="${y(target.min).toFixed(1)}" stroke="#d03030" stroke-dasharray="4 3" stroke-width="2"/>`,
      );
    }
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${escapeXml(s.name)}</text>`,
      `<text x="${cx.toFixed(1)}" y="${top + plotH + 34}" text-anchor="middle" fill="#333">${s.ratio === null ? 'ratio n/a' : `${s.ratio.toFixed(2)}×`}${target ? ` (target ${target.min.toFixed(1)}×)` : ''}</text>`,
      `<text x="${cx.toFixed(1)}" y="${top + plotH + 50}" text-anchor="middle" fill="#555" font-size="10">p99 ${fmt(s.p99Ms)} ms, ${s.errors} errors</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

const PALETTE = ['#2f6fdf', '#d03030', '#2a9d4a', '#b26b00', '#7a3fbf', '#008b8b'];

/** A log₁₀ axis over [lo, hi] (ms), widened to whole decades, mapped onto [bottom, top] pixels. */
export function logAxis(values: readonly number[], bottom: number, top: number): { y: (v: number) => number; ticks: number[] } {
  const positive = values.filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(1, ...positive)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(10, ...positive)));
  const span = Math.log10(hi) - Math.log10(lo);
  const y = (v: number): number => bottom - ((Math.log10(Math.max(lo, Math.min(hi, v))) - Math.log10(lo)) / span) * (bottom - top);
  const ticks: number[] = [];
  for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  return { y, ticks };
}

/**
 * p99 (solid) and p50 (dashed) latency against the arrival rate, one line per scenario, and the
 * p99 with the host's page reclaim paused (dotted) where the run measured it. The x
 * axis is the rate as a share of the scenario's closed-loop throughput (their absolute rates
 * differ a hundredfold; each point is labelled with its own), the y axis log-scaled ms; dashed
 * red lines mark the 50 ms and 250 ms targets.
 */
/** The open-loop chart's dashes: p99 solid, p50 dashed, the paused pass's p99 dotted. */
const LINE_DASH = { p50: ' stroke-dasharray="3 3"', quietHost: ' stroke-dasharray="1 4" stroke-linecap="round"' };

export function renderOpenLoopSvg(report: BenchReport): string {
  const width = 880;
  const height = 420;
  const left = 70;
  const right = 250;
  const top = 50;
  const bottom = height - 50;
  const looped = report.scenarios.filter((s) => s.openLoop.length > 0);
  const all = looped.flatMap((s) => [...s.openLoop.flatMap((p) => [p.p50Ms, p.p99Ms]), ...(s.openLoopQuietHost ?? []).map((p) => p.p99Ms)]);
  const { y, ticks } = logAxis([...all, 50, 250], bottom, top);
  const x = (share: number): number => left + ((share - 0.2) / 0.6) * (width - left - right);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${(left + width - right) / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Open loop: latency vs arrival rate, ${escapeXml(report.startedAt)}</text>`,
    `<text x="18" y="${(top + bottom) / 2}" transform="rotate(-90 18 ${(top + bottom) / 2})" text-anchor="middle">latency, ms (log)</text>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">arrival rate, share of the closed-loop throughput</text>`,
  ];
  for (const t of ticks) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e8e8e8"/>`, `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const target of [50, 250]) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}" stroke="#d03030" stroke-dasharray="6 4"/><text x="${width - right + 4}" y="${(y(target) + 4).toFixed(1)}" fill="#d03030">${target} ms</text>`);
  }
  for (const share of OPEN_LOOP_SHARES) {
    parts.push(`<text x="${x(share).toFixed(1)}" y="${bottom + 18}" text-anchor="middle">${share * 100} %</text>`, `<line x1="${x(share).toFixed(1)}" x2="${x(share).toFixed(1)}" y1="${top}" y2="${bottom}" stroke="#f0f0f0"/>`);
  }
  looped.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] ?? '#333';
    const placed = (pass: readonly OpenLoopPoint[]) => pass.map((p, k) => ({ p, px: x(OPEN_LOOP_SHARES[k] ?? 0) }));
    const path = (pass: ReturnType<typeof placed>, key: 'p50Ms' | 'p99Ms'): string => pass.map(({ p, px }, k) => `${k === 0 ? 'M' : 'L'}${px.toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    const points = placed(s.openLoop);
    parts.push(`<path d="${path(points, 'p99Ms')}" fill="none" stroke="${color}" stroke-width="2"/>`, `<path d="${path(points, 'p50Ms')}" fill="none" stroke="${color}" stroke-width="1"${LINE_DASH.p50}/>`);
    const quiet = placed(s.openLoopQuietHost ?? []);
    if (quiet.length > 0) {
      parts.push(`<path d="${path(quiet, 'p99Ms')}" fill="none" stroke="${color}" stroke-width="2"${LINE_DASH.quietHost}/>`);
      for (const { p, px } of quiet) parts.push(`<circle cx="${px.toFixed(1)}" cy="${y(p.p99Ms).toFixed(1)}" r="2" fill="#ffffff" stroke="${color}"><title>${escapeXml(s.name)}, host reclaim paused: ${fmt(p.rate)}/s, p50 ${fmt(p.p50Ms, 1)} ms, p99 ${fmt(p.p99Ms, 1)} ms, ${p.errors} errors</title></circle>`);
    }
    for (const { p, px } of points) {
      parts.push(`<circle cx="${px.toFixed(1)}" cy="${y(p.p99Ms).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(s.name)}: ${fmt(p.rate)}/s, p50 ${fmt(p.p50Ms, 1)} ms, p99 ${fmt(p.p99Ms, 1)} ms, ${p.errors} errors</title></circle>`);
    }
    parts.push(`<rect x="${width - right + 50}" y="${top + i * 20}" width="12" height="12" fill="${color}"/><text x="${width - right + 66}" y="${top + i * 20 + 10}">${escapeXml(s.name)}</text>`);
  });
  // What each line style is, under the scenarios' colours.
  const styles: [string, string][] = [['p99', ''], ['p50', LINE_DASH.p50], ['p99, host reclaim paused', LINE_DASH.quietHost]];
  styles.forEach(([label, dash], k) => {
    const ly = top + looped.length * 20 + 20 + k * 20;
    parts.push(`<line x1="${width - right + 60}" x2="${width - right + 86}" y1="${ly + 6}" y2="${ly + 6}" stroke="#555" stroke-width="2"${dash}/><text x="${width - right + 92}" y="${ly + 10}">${label}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** p99 per read, the small data beside the large (10×), on a log axis. */
export function renderScaleSvg(scale: ScaleReport): string {
  const width = 860;
  const height = 400;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = height - 90;
  const reads = scale.large.reads.map((r) => ({ name: r.name, large: r.p99Ms, small: scale.small.reads.find((s) => s.name === r.name)?.p99Ms ?? 0 }));
  const { y, ticks } = logAxis(reads.flatMap((r) => [r.small, r.large]), bottom, top);
  const groupW = (width - left - right) / Math.max(1, reads.length);
  const barW = Math.min(30, groupW / 3);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">p99 per read: ${fmt(scale.small.orders)} vs ${fmt(scale.large.orders)} orders, ${escapeXml(scale.startedAt)}</text>`,
    `<rect x="${left}" y="30" width="12" height="12" fill="#b0b0b0"/><text x="${left + 16}" y="40">small</text>`,
    `<rect x="${left + 70}" y="30" width="12" height="12" fill="#2f6fdf"/><text x="${left + 86}" y="40">large (10×)</text>`,
    `<text x="18" y="${(top + bottom) / 2}" transform="rotate(-90 18 ${(top + bottom) / 2})" text-anchor="middle">p99 ms (log)</text>`,
  ];
  for (const t of ticks) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e8e8e8"/>`, `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  reads.forEach((r, i) => {
    const cx = left + groupW * i + groupW / 2;
    const bar = (bx: number, v: number, fill: string): string =>
      `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(bottom - y(v)).toFixed(1)}" fill="${fill}"><title>${escapeXml(r.name)}: ${fmt(v, 1)} ms</title></rect>`;
    parts.push(
      bar(cx - barW - 1, r.small, '#b0b0b0'),
      bar(cx + 1, r.large, '#2f6fdf'),
      `<text x="${cx.toFixed(1)}" y="${bottom + 16}" text-anchor="end" transform="rotate(-35 ${cx.toFixed(1)} ${bottom + 16})">${escapeXml(r.name)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
