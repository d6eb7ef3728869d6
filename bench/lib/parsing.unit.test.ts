import { describe, expect, it } from 'vitest';
import { percentile } from './load';
import { parsePgbenchOutput } from './pgbench';
import { isExpectedStatus, QUICK, requestGenerator, type ScenarioWorld } from './scenarios';

// What pgbench 15 prints at the end of a run (trimmed to the lines the parser reads).
const PGBENCH_15 = `transaction type: multiple scripts
scaling factor: 1
query mode: prepared
number of clients: 65
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 11942
number of failed transactions: 0 (0.000%)
latency average = 54.310 ms
initial connection time = 120.884 ms
tps = 1196.836104 (without initial connection time)
`;

describe('bench parsing', () => {
  it("reads pgbench's summary", () => {
    expect(parsePgbenchOutput(PGBENCH_15)).toEqual({ tps: 1196.836104, transactions: 11942, failed: 0, latencyAvgMs: 54.31 });
    expect(() => parsePgbenchOutput('pgbench: error: connection to server failed')).toThrow(/no tps/);
  });

  it('takes nearest-rank percentiles of sorted latencies', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([], 99)).toBe(0);
  });

  it('sends the coupon rush from distinct users, and counts refusals as answers', () => {
    const world: ScenarioWorld = {
      sizes: QUICK,
      tokens: [],
      hotProductId: 101,
      rushCouponId: 1,
      mixedCouponId: 2,
      uncontendedCouponIds: [],
      flashProductIds: [102, 103],
      flashCouponOf: [],
      spreadCouponOf: [],
    };
    const next = requestGenerator('coupon-rush', world);
    const users = new Set(Array.from({ length: QUICK.users }, () => next().path));
    expect(users.size).toBe(QUICK.users);
    expect(isExpectedStatus(409, 'coupon')).toBe(true);
    expect(isExpectedStatus(500, 'coupon')).toBe(false);
    expect(isExpectedStatus(404, 'read')).toBe(false);
  });
});
