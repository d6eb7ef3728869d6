import { describe, expect, it } from 'vitest';
import {
  arrivalOrderShare,
  benchReportSchema,
  buildReport,
  failuresOf,
  logAxis,
  pairsInOrder,
  renderMarkdown,
  renderOpenLoopSvg,
  renderScaleMarkdown,
  renderScaleSvg,
  renderSvg,
  SCENARIO_NAMES,
  verdicts,
  type ScaleReport,
  type ScenarioMeasurement,
} from './report';
import { parseOptions } from './run';
import { pageCursor, replaceScaleSection } from './scale';

// Fake measurements: the test keeps the report's shape and rendering right; it times nothing.
const machine = { cpus: 2, model: 'Test CPU', memGiB: 8, node: 'v24.0.0', postgres: 'PostgreSQL 15.0' };
const openLoop = [
  { rate: 250, p50Ms: 4, p99Ms: 20, errors: 0 },
  { rate: 500, p50Ms: 6, p99Ms: 45, errors: 0 },
  { rate: 750, p50Ms: 30, p99Ms: 400, errors: 0 },
];
// What the host's page reclaim and the service's scavenges took during each rate; then the same
// rates with the reclaim paused.
const withReclaim = openLoop.map((p) => ({ ...p, hostReclaimMsPerSecond: 16, serviceYoungGcMsPerSecond: 2.5, serviceYoungGcMeanPauseMs: 4 }));
const quietHost = [
  { rate: 250, p50Ms: 3, p99Ms: 10, errors: 0, hostReclaimMsPerSecond: 0 },
  { rate: 500, p50Ms: 4, p99Ms: 30, errors: 0, hostReclaimMsPerSecond: 0 },
  { rate: 750, p50Ms: 10, p99Ms: 120, errors: 0, hostReclaimMsPerSecond: 0 },
];
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

const scale = (p99: number): ScaleReport['small'] => ({
  orders: 100_000,
  historyRows: 500_000,
  users: 10_000,
  dayOrders: 50_000,
  seedSeconds: 30,
  reads: [
    { name: 'history, first page', requests: 300, p50Ms: 2, p99Ms: p99, errors: 0 },
    { name: 'audit', requests: 3, p50Ms: 900, p99Ms: p99 * 100, errors: 0 },
  ],
  auditOk: true,
});
const scaleReport: ScaleReport = { startedAt: '2026-11-24T20:00:00.000Z', small: scale(5), large: { ...scale(6), orders: 1_000_000 } };

describe('bench report', () => {
  const report = buildReport(
    machine,
    new Date('2026-11-24T21:00:00.000Z'),
    [
      { ...measured('coupon-rush', 2000, 1600), hotRowCeilingTps: 2000, leanCeilingTps: 8000, sellOut: { issued: 1000, seconds: 2, uncontendedTps: 1000, uncontendedSameUnitsTps: 625, inArrivalOrder: 0.9, pairsInArrivalOrder: 0.8 }, sellOutLarge: { issued: 10_000, seconds: 12.5, uncontendedTps: 1000, inArrivalOrder: 0.7, pairsInArrivalOrder: 0.6 }, openLoop },
      { ...measured('hot-product-order', 500, 1000), leanCeilingTps: 2000, hotRowCeilingTps: 2500, openLoop },
      { ...measured('charge', 1800, 3000), leanCeilingTps: 9000, openLoop: withReclaim, openLoopQuietHost: quietHost },
      measured('product-read', 6000, 10000),
      { ...measured('mixed', 1500, null), errors: 3, invariantsOk: false },
      { ...measured('flash-sale', 400, 300), spreadTps: 500, leanCeilingTps: 800, hotRowCeilingTps: 2000 },
      { ...measured('cancel', 450, 1800), leanCeilingTps: 3400, openLoop },
      { ...measured('refund', 400, 1600), leanCeilingTps: 3200, openLoop },
    ],
    scaleReport,
  );

  it('has exactly the documented JSON shape, scenario names included', () => {
    const json: unknown = JSON.parse(JSON.stringify(report));
    expect(benchReportSchema.parse(json)).toEqual(report);
    expect(report.scenarios.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
    // The fields of issue 7 first and unchanged, those of issue 14 after them.
    expect(Object.keys(report.scenarios[1] ?? {})).toEqual([
      'name', 'requests', 'concurrency', 'tps', 'p50Ms', 'p99Ms', 'errors', 'ceilingTps', 'ratio', 'invariantsOk',
      'leanCeilingTps', 'leanRatio', 'hotRowCeilingTps', 'hotRowRatio', 'openLoop',
    ]);
    expect(Object.keys(report.scenarios[5] ?? {})).toContain('spreadRatio');
    expect(Object.keys(report.scenarios[0]?.sellOut ?? {})).toEqual(['tps', 'uncontendedTps', 'uncontendedRatio', 'hotRowRatio', 'issued', 'seconds', 'inArrivalOrder', 'pairsInArrivalOrder', 'uncontendedSameUnitsTps', 'sameUnitsRatio']);
    expect(Object.keys(report)).toEqual(['machine', 'startedAt', 'scenarios', 'scale']);
  });

  it('still reads a report written before issue 14', () => {
    const old = { machine, startedAt: report.startedAt, scenarios: [] };
    expect(benchReportSchema.safeParse(old).success).toBe(true);
  });

  it('derives every ratio from the measurements, never from input', () => {
    expect(report.scenarios.map((s) => s.ratio)).toEqual([1.25, 0.5, 0.6, 0.6, null, 1.333, 0.25, 0.25]);
    expect(report.scenarios.map((s) => s.leanRatio)).toEqual([0.25, 0.25, 0.2, null, null, 0.5, 0.132, 0.125]);
    expect(report.scenarios.map((s) => s.hotRowRatio)).toEqual([1, 0.2, null, null, null, 0.2, null, null]);
    expect(report.scenarios[5]?.spreadRatio).toBe(0.8);
  });

  it('counts only the units issued as sell-out throughput, not the refusals', () => {
    // 1,000 units in 2 s is 500/s, whatever the 2,000 req/s of the whole rush.
    expect(report.scenarios[0]?.sellOut).toMatchObject({ tps: 500, uncontendedRatio: 0.5, hotRowRatio: 0.25, uncontendedSameUnitsTps: 625, sameUnitsRatio: 0.8 });
    expect(report.scenarios[0]?.sellOutLarge).toMatchObject({ tps: 800, uncontendedRatio: 0.8, issued: 10_000 });
  });

  it('marks each target met or missed; latency targets only from the open loop', () => {
    const [coupon, order, charge, read, mixed, flash] = report.scenarios;
    const missed = (s: typeof coupon) => verdicts(s!).filter((v) => !v.met).map((v) => v.target);
    expect(missed(coupon)).toEqual(['sell-out ≥ 0.8× uncontended']);
    expect(verdicts(coupon!).find((v) => v.target.startsWith('large sell-out'))?.met).toBe(true);
    expect(missed(order)).toEqual(['ratio ≥ 0.8×', 'open loop at 75 %: p99 < 250 ms']);
    expect(missed(charge)).toEqual(['lean ratio ≥ 0.3×', 'open loop at 75 %: p99 < 250 ms']);
    expect(verdicts(charge!).filter((v) => v.target.includes('host reclaim paused'))).toEqual([
      { target: 'open loop at 50 %, host reclaim paused: p99 < 50 ms', measured: '30.0 ms at 500/s', met: true },
      { target: 'open loop at 75 %, host reclaim paused: p99 < 250 ms', measured: '120.0 ms at 750/s', met: true },
    ]);
    expect(missed(read)).toEqual(['open loop at 50 %: p99 < 50 ms', 'open loop at 75 %: p99 < 250 ms']);
    expect(missed(mixed)).toEqual(['0 errors', 'invariants hold']);
    expect(missed(flash)).toEqual([]);
    expect(verdicts(coupon!).some((v) => v.target.startsWith('p99'))).toBe(false);
  });

  it('fails the run on a violated invariant, an error or a failed step', () => {
    expect(failuresOf(report)).toEqual(['mixed: invariants violated', 'mixed: 3 errors']);
    expect(failuresOf({ ...report, scenarios: [report.scenarios[1]!] }, ['relay: boom'])).toEqual(['relay: boom']);
  });

  it('rejects a report with a scenario name of its own', () => {
    const renamed = { ...report, scenarios: [{ ...report.scenarios[0], name: 'coupon' }] };
    expect(benchReportSchema.safeParse(renamed).success).toBe(false);
  });

  it('renders the markdown: table, named ceilings, sell-out, flash sale, open loop, targets, scale', () => {
    const md = renderMarkdown(report, new Map([['mixed', ['3 × 503']]]));
    expect(md).toContain('| hot-product-order | 1,000 | 100 | 500 | 1,000 | 0.50× | 2,000 | 0.25× | 2,500 | 0.20× |');
    expect(md).toContain('| charge | the charge transaction (pgbench) | one statement: `WITH … INSERT … ON CONFLICT DO UPDATE');
    expect(md).toContain('**500 issues/s**, refusals excluded');
    expect(md).toContain('90.0 % of the units went to the first 1,000 requests sent');
    expect(md).toContain('| charge | as is | 750 | 30.0 | 400.0 | 0 | 16.0 | 2.5 | 4.0 |\n');
    expect(md).toContain('| charge | reclaim paused | 500 | 4.0 | 30.0 | 0 | 0.0 | n/a | n/a |\n');
    expect(md).toContain('| hot-product-order | as is | 250 | 4.0 | 20.0 | 0 | n/a | n/a | n/a |\n');
    expect(md).toContain('| hot-product-order | ratio ≥ 0.8× | 0.50× | **missed** |');
    expect(md).toContain('| flash-sale | ≥ 0.8× spread | 0.80× | met |');
    expect(md).toContain('| history, first page | 2.0 | 5.0 | 2.0 | 6.0 | 1.20× | 0 |');
    expect(md).toContain('  - 3 × 503');
  });

  it('renders the three SVG charts as well-formed documents', () => {
    for (const svg of [renderSvg(report), renderOpenLoopSvg(report), renderScaleSvg(scaleReport)]) {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    }
    for (const name of SCENARIO_NAMES) expect(renderSvg(report)).toContain(`>${name}</text>`);
    expect(renderOpenLoopSvg(report)).toContain('>charge</text>');
    expect(renderOpenLoopSvg(report)).not.toContain('>mixed</text>');
    expect(renderScaleSvg(scaleReport)).toContain('>audit</text>');
  });

  it('maps latencies onto a log axis of whole decades', () => {
    const { y, ticks } = logAxis([3, 400], 100, 0);
    expect(ticks).toEqual([1, 10, 100, 1000]);
    expect(y(1)).toBe(100);
    expect(y(1000)).toBe(0);
    expect(y(10)).toBeCloseTo(66.67, 1);
  });
});

describe('arrival order of a sell-out', () => {
  it('is the share of units that went to the first requests sent', () => {
    expect(arrivalOrderShare([0, 1, 2, 3], 4)).toBe(1);
    expect(arrivalOrderShare([0, 1, 2, 9], 4)).toBe(0.75);
    expect(arrivalOrderShare([], 4)).toBeNull();
  });

  it('counts the pairs of units answered in sending order', () => {
    expect(pairsInOrder([0, 1, 2, 3])).toBe(1);
    expect(pairsInOrder([3, 2, 1, 0])).toBe(0);
    expect(pairsInOrder([1, 0, 2, 3])).toBeCloseTo(5 / 6, 10);
    expect(pairsInOrder([7])).toBeNull();
  });
});

describe('bench options and the scale run', () => {
  it('parses the command line, and refuses a scenario it does not know', () => {
    expect(parseOptions(['--quick', '--only=charge,relay'])).toMatchObject({ quick: true, scale: false, selected: ['charge'], withRelay: true });
    expect(parseOptions([])).toMatchObject({ selected: [...SCENARIO_NAMES], withRelay: true, keep: false });
    expect(parseOptions(['--scale'])).toMatchObject({ scale: true, hostAsIs: false });
    expect(parseOptions(['--host-as-is'])).toMatchObject({ hostAsIs: true });
    expect(() => parseOptions(['--only=coupon'])).toThrow(/unknown scenario coupon/);
  });

  it('signs a page cursor as the service does: payload, dot, 16 bytes of HMAC', () => {
    const cursor = pageCursor('secret', 41);
    expect(cursor.split('.')[0]).toBe(Buffer.from('41').toString('base64url'));
    expect(Buffer.from(cursor.split('.')[1] ?? '', 'base64url')).toHaveLength(16);
    expect(pageCursor('secret', 41)).toBe(cursor);
    expect(pageCursor('other', 41)).not.toBe(cursor);
  });

  it('replaces the scale section of a report, or puts it before the notes', () => {
    const section = renderScaleMarkdown(scaleReport);
    const without = '# Benchmark report\n\n## Targets\n\nx\n\n## Notes\n\n- n\n';
    const added = replaceScaleSection(without, section);
    expect(added.indexOf('## Cost against data size')).toBeLessThan(added.indexOf('## Notes'));
    const replaced = replaceScaleSection(added, ['## Cost against data size (`pnpm bench --scale`)', '', 'new']);
    expect(replaced).toContain('\nnew\n');
    expect(replaced).not.toContain('history, first page');
    expect(replaced).toContain('## Notes\n\n- n\n');
  });

  it('says when the audit fit its time budget, and when it ran out of it', () => {
    expect(renderScaleMarkdown(scaleReport).join('\n')).toContain('audit clean, inside its time budget');
    const outOfTime: ScaleReport = { ...scaleReport, large: { ...scaleReport.large, auditOk: false, auditChecksNotReached: 9 } };
    expect(benchReportSchema.shape.scale.parse(outOfTime)).toEqual(outOfTime);
    expect(renderScaleMarkdown(outOfTime).join('\n')).toContain('**out of its time budget: 9 checks not reached**');
  });

  it('gives the full audit its own figure, apart from the incremental one the budget applies to', () => {
    const incremental: ScaleReport = { ...scaleReport, large: { ...scaleReport.large, auditFullMs: 16_203, writesBeforeAudit: 600 } };
    expect(benchReportSchema.shape.scale.parse(incremental)).toEqual(incremental);
    expect(renderScaleMarkdown(incremental).join('\n')).toContain('full audit 16.2 s (first and nightly); incremental audit after 600 writes clean, inside its time budget');
  });
});
