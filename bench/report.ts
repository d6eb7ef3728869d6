import { z } from 'zod';

/*
 * The benchmark's results: the JSON shape (checked with zod, so the unit test and the run itself
 * agree on it), the targets, and the two human views of the same figures — a markdown table and
 * an SVG chart of service vs ceiling throughput. Pure functions only: `run.ts` measures, this
 * file only turns measurements into a report, so it can be tested with fake measurements.
 */

export const SCENARIO_NAMES = ['coupon-rush', 'hot-product-order', 'charge', 'product-read', 'mixed'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const machineSchema = z.strictObject({
  cpus: z.number().int().positive(),
  model: z.string(),
  memGiB: z.number().positive(),
  node: z.string(),
  postgres: z.string(),
});
export type Machine = z.infer<typeof machineSchema>;

export const scenarioResultSchema = z.strictObject({
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
});
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

export const benchReportSchema = z.strictObject({
  machine: machineSchema,
  startedAt: z.iso.datetime({ offset: true }),
  scenarios: z.array(scenarioResultSchema),
});
export type BenchReport = z.infer<typeof benchReportSchema>;

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
  invariantsOk: boolean;
  /** Free-form lines for the markdown only: status counts, ceiling setup, clamps. */
  notes?: string[];
}

/** Minimum service ÷ ceiling throughput per scenario (issue 7); `mixed` has no ratio target. */
export const RATIO_TARGETS: Partial<Record<ScenarioName, { min: number; ceiling: string }>> = {
  'coupon-rush': { min: 1.0, ceiling: 'one hot counter row, `UPDATE … WHERE remaining > 0` (pgbench)' },
  'hot-product-order': { min: 0.8, ceiling: 'the order transaction, product locked last (pgbench)' },
  charge: { min: 0.6, ceiling: 'the charge transaction (pgbench)' },
  'product-read': { min: 0.5, ceiling: 'a bare Fastify route returning a constant (autocannon)' },
};
export const MIXED_CEILING = 'the same mix of the service’s SQL transactions, weighted (pgbench)';
export const P99_TARGET_MS = 250;

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export function toScenarioResult(m: ScenarioMeasurement): ScenarioResult {
  const ratio = m.ceilingTps !== null && m.ceilingTps > 0 ? round(m.tps / m.ceilingTps, 3) : null;
  return {
    name: m.name,
    requests: m.requests,
    concurrency: m.concurrency,
    tps: round(m.tps, 1),
    p50Ms: round(m.p50Ms, 1),
    p99Ms: round(m.p99Ms, 1),
    errors: m.errors,
    ceilingTps: m.ceilingTps === null ? null : round(m.ceilingTps, 1),
    ratio,
    invariantsOk: m.invariantsOk,
  };
}

export function buildReport(machine: Machine, startedAt: Date, measurements: readonly ScenarioMeasurement[]): BenchReport {
  return benchReportSchema.parse({
    machine,
    startedAt: startedAt.toISOString(),
    scenarios: measurements.map(toScenarioResult),
  });
}

export interface Verdict {
  target: string;
  met: boolean;
}

/** Every target that applies to one scenario, each met or missed. */
export function verdicts(s: ScenarioResult): Verdict[] {
  const out: Verdict[] = [];
  const ratioTarget = RATIO_TARGETS[s.name];
  if (ratioTarget) {
    out.push({ target: `ratio ≥ ${ratioTarget.min.toFixed(1)}×`, met: s.ratio !== null && s.ratio >= ratioTarget.min });
  }
  out.push({ target: `p99 < ${P99_TARGET_MS} ms`, met: s.p99Ms < P99_TARGET_MS });
  out.push({ target: '0 errors', met: s.errors === 0 });
  out.push({ target: 'invariants hold', met: s.invariantsOk });
  return out;
}

const fmt = (value: number | null, digits = 0): string =>
  value === null ? 'n/a' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

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
    '| scenario | requests | concurrency | tps | ceiling tps | ratio | p50 ms | p99 ms | errors | invariants |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of report.scenarios) {
    lines.push(
      `| ${s.name} | ${fmt(s.requests)} | ${s.concurrency} | ${fmt(s.tps)} | ${fmt(s.ceilingTps)} | ${s.ratio === null ? 'n/a' : `${s.ratio.toFixed(2)}×`} | ${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ${s.errors} | ${s.invariantsOk ? 'ok' : '**violated**'} |`,
    );
  }
  lines.push('', '## Targets', '', '| scenario | ceiling | target | measured | verdict |', '|---|---|---|---|---|');
  for (const s of report.scenarios) {
    const ceiling = RATIO_TARGETS[s.name]?.ceiling ?? MIXED_CEILING;
    for (const v of verdicts(s)) {
      const measured = v.target.startsWith('ratio')
        ? s.ratio === null ? 'n/a' : `${s.ratio.toFixed(2)}×`
        : v.target.startsWith('p99')
          ? `${fmt(s.p99Ms, 1)} ms`
          : v.target === '0 errors'
            ? String(s.errors)
            : s.invariantsOk ? 'ok' : 'violated';
      lines.push(`| ${s.name} | ${ceiling} | ${v.target} | ${measured} | ${v.met ? 'met' : '**missed**'} |`);
    }
  }
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
