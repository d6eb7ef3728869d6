import { describe, expect, it } from 'vitest';
import { benchReportSchema, buildReport, renderMarkdown, renderSvg, SCENARIO_NAMES, verdicts, type ScenarioMeasurement } from './report';

// Fake measurements: the test keeps the report's shape and rendering right; it times nothing.
const machine = { cpus: 2, model: 'Test CPU', memGiB: 8, node: 'v24.0.0', postgres: 'PostgreSQL 15.0' };
const measured = (name: ScenarioMeasurement['name'], tps: number, ceilingTps: number | null): ScenarioMeasurement => ({
  name,
  requests: 1000,
  concurrency: 100,
  tps,
  p50Ms: 12.34,
  p99Ms: 80,
  errors: 0,
  ceilingTps,
  invariantsOk: true,
});

describe('bench report', () => {
  const report = buildReport(machine, new Date('2026-11-24T21:00:00.000Z'), [
    measured('coupon-rush', 2000, 1600),
    measured('hot-product-order', 500, 1000),
    measured('charge', 1800, 3000),
    measured('product-read', 6000, 10000),
    { ...measured('mixed', 1500, null), errors: 3, invariantsOk: false },
  ]);

  it('has exactly the documented JSON shape, scenario names included', () => {
    const json: unknown = JSON.parse(JSON.stringify(report));
    expect(benchReportSchema.parse(json)).toEqual(report);
    expect(report.scenarios.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
    expect(Object.keys(report.scenarios[0] ?? {})).toEqual([
      'name', 'requests', 'concurrency', 'tps', 'p50Ms', 'p99Ms', 'errors', 'ceilingTps', 'ratio', 'invariantsOk',
    ]);
    expect(Object.keys(report)).toEqual(['machine', 'startedAt', 'scenarios']);
  });

  it('derives the ratio from the measurements, never from input', () => {
    expect(report.scenarios.map((s) => s.ratio)).toEqual([1.25, 0.5, 0.6, 0.6, null]);
  });

  it('marks each target met or missed', () => {
    const [coupon, order, , , mixed] = report.scenarios;
    expect(verdicts(coupon!).every((v) => v.met)).toBe(true);
    expect(verdicts(order!).find((v) => v.target.startsWith('ratio'))?.met).toBe(false);
    expect(verdicts(mixed!).filter((v) => !v.met).map((v) => v.target)).toEqual(['0 errors', 'invariants hold']);
  });

  it('rejects a report with a scenario name of its own', () => {
    const renamed = { ...report, scenarios: [{ ...report.scenarios[0], name: 'coupon' }] };
    expect(benchReportSchema.safeParse(renamed).success).toBe(false);
  });

  it('renders the markdown table and the SVG chart', () => {
    const md = renderMarkdown(report, new Map([['mixed', ['3 × 503']]]));
    expect(md).toContain('| hot-product-order | 1,000 | 100 | 500 | 1,000 | 0.50× |');
    expect(md).toContain('| hot-product-order | the order transaction, product locked last (pgbench) | ratio ≥ 0.8× | 0.50× | **missed** |');
    expect(md).toContain('  - 3 × 503');
    const svg = renderSvg(report);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const name of SCENARIO_NAMES) expect(svg).toContain(`>${name}</text>`);
  });
});
