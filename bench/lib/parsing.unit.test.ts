import { describe, expect, it } from 'vitest';
import { percentile } from './load';
import { parsePgbenchOutput } from './pgbench';
import { dueAtMs } from './open-loop';
import { youngCollectionsBetween, youngCollectionsIn } from './service-gc';
import { flashGenerator, isExpectedStatus, largeRushGenerator, QUICK, requestGenerator, uncontendedCouponGenerator, WARM_UP_MAX_REQUESTS, warmUpGenerator, type ScenarioWorld } from './scenarios';

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

// A run in which every client aborted on the stock CHECK once the product sold out (pgbench 15
// exits 2 but prints its summary): tps over the few seconds the clients lived.
const PGBENCH_15_ABORTED = `pgbench (15.20 (Debian 15.20-0+deb12u1))
pgbench: error: client 0 script 0 aborted in command 2 query 0: ERROR:  new row for relation "products" violates check constraint "products_stock_check"
DETAIL:  Failing row contains (102, Flash product 1, 1000, -1, 500, 2026-12-01 17:04:56.173774+00).
pgbench: error: client 1 script 0 aborted in command 2 query 0: ERROR:  new row for relation "products" violates check constraint "products_stock_check"
DETAIL:  Failing row contains (102, Flash product 1, 1000, -1, 500, 2026-12-01 17:04:56.173774+00).
transaction type: /tmp/lean-order.sql
scaling factor: 1
query mode: prepared
number of clients: 10
number of threads: 2
maximum number of tries: 1
duration: 5 s
number of transactions actually processed: 500
number of failed transactions: 0 (0.000%)
latency average = 24.629 ms
initial connection time = 106.626 ms
tps = 406.018823 (without initial connection time)
pgbench: error: Run was aborted; the above results are incomplete.
`;

describe('bench parsing', () => {
  it("reads pgbench's summary", () => {
    expect(parsePgbenchOutput(PGBENCH_15)).toEqual({ tps: 1196.836104, transactions: 11942, failed: 0, latencyAvgMs: 54.31 });
    expect(() => parsePgbenchOutput('pgbench: error: connection to server failed')).toThrow(/no tps/);
  });

  it('refuses a pgbench run in which clients aborted, naming the error once', () => {
    expect(() => parsePgbenchOutput(PGBENCH_15_ABORTED)).toThrow(/not clean.*2 of 10 clients aborted.*run was aborted/);
    const message = (() => {
      try {
        parsePgbenchOutput(PGBENCH_15_ABORTED);
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    expect(message.match(/products_stock_check/g)).toHaveLength(1);
  });

  it('refuses a pgbench run with an abort in a meta-command, a failed transaction or any other error', () => {
    const metaAbort = `pgbench: error: client 3 aborted in command 4 (set) of script 0; evaluation of meta-command failed\n${PGBENCH_15}`;
    expect(() => parsePgbenchOutput(metaAbort)).toThrow(/1 of 65 clients aborted/);
    expect(() => parsePgbenchOutput(PGBENCH_15.replace('failed transactions: 0 (0.000%)', 'failed transactions: 3 (0.025%)'))).toThrow(/3 failed transactions/);
    expect(() => parsePgbenchOutput(`pgbench: error: unexpected trouble\n${PGBENCH_15}`)).toThrow(/1 other errors/);
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
      adminToken: '',
      hotProductId: 101,
      rushCouponId: 1,
      mixedCouponId: 2,
      largeRushCouponId: null,
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

describe('bench request sequences', () => {
  const world: ScenarioWorld = {
    sizes: { ...QUICK, users: 1_000 },
    tokens: [],
    adminToken: '',
    hotProductId: 101,
    rushCouponId: 1,
    mixedCouponId: 2,
    largeRushCouponId: null,
    uncontendedCouponIds: Array.from({ length: 100 }, (_, i) => 1000 + i),
    flashProductIds: [102, 103],
    flashCouponOf: Array.from({ length: 1_001 }, (_, u) => 50_000 + u),
    spreadCouponOf: Array.from({ length: 1_001 }, (_, u) => 60_000 + u),
  };
  const body = (spec: { body?: string }): { userId: number; items: { productId: number; quantity: number }[]; userCouponId?: number } =>
    JSON.parse(spec.body ?? '{}') as { userId: number; items: { productId: number; quantity: number }[]; userCouponId?: number };

  it('spreads the uncontended issues over 100 coupons without repeating a (user, coupon) pair', () => {
    const next = uncontendedCouponGenerator(world);
    const specs = Array.from({ length: 20_000 }, () => next());
    const pairs = new Set(specs.map((s) => `${s.path} ${s.body ?? ''}`));
    expect(pairs.size).toBe(specs.length);
    const coupons = new Set(specs.slice(0, 100).map((s) => s.body));
    expect(coupons.size).toBe(100);
    // The open loop continues the sequence instead of repeating it.
    const continued = uncontendedCouponGenerator(world, 20_000)();
    expect(pairs.has(`${continued.path} ${continued.body ?? ''}`)).toBe(false);
  });

  it('warms every route up without a coupon pair, product or coupon a scenario measures', () => {
    const next = warmUpGenerator(world);
    const specs = Array.from({ length: WARM_UP_MAX_REQUESTS }, () => next());
    expect(new Set(specs.slice(0, 4).map((s) => s.kind))).toEqual(new Set(['coupon', 'read', 'charge', 'order']));
    const measured = uncontendedCouponGenerator(world);
    const measuredPairs = new Set(Array.from({ length: 20_000 }, () => measured()).map((s) => `${s.path} ${s.body ?? ''}`));
    const issues = specs.filter((s) => s.kind === 'coupon');
    expect(issues.some((s) => measuredPairs.has(`${s.path} ${s.body ?? ''}`))).toBe(false);
    expect(new Set(issues.map((s) => `${s.path} ${s.body ?? ''}`)).size).toBe(issues.length);
    const orders = specs.filter((s) => s.kind === 'order').map(body);
    expect(orders.every((o) => o.items.every((item) => item.productId <= world.sizes.catalogue) && o.userCouponId === undefined)).toBe(true);
  });

  it('sends each flash phase from distinct users, with a coupon on every third mixed order', () => {
    const one = flashGenerator(world, 'flash-one');
    const buyers = Array.from({ length: 1_000 }, () => body(one()));
    expect(new Set(buyers.map((b) => b.userId)).size).toBe(1_000);
    expect(buyers.every((b) => b.items[0]?.productId === 102 && b.items[0].quantity === 1 && b.userCouponId === undefined)).toBe(true);
    const mixed = flashGenerator(world, 'flash-mixed');
    const orders = Array.from({ length: 300 }, () => body(mixed()));
    expect(orders.filter((o) => o.userCouponId !== undefined)).toHaveLength(100);
    expect(orders.every((o) => o.userCouponId === undefined || o.userCouponId === 50_000 + o.userId)).toBe(true);
    expect(new Set(orders.map((o) => o.items[0]?.quantity))).toEqual(new Set([1, 2, 3]));
    const spread = flashGenerator(world, 'spread-mixed');
    const spreadOrders = Array.from({ length: 300 }, () => body(spread()));
    expect(spreadOrders.every((o) => (o.items[0]?.productId ?? 0) >= 1 && (o.items[0]?.productId ?? 0) <= 100)).toBe(true);
    expect(spreadOrders.every((o) => o.userCouponId === undefined || o.userCouponId === 60_000 + o.userId)).toBe(true);
  });

  it('sends the large rush from every one of its users once', () => {
    const next = largeRushGenerator({ ...world, sizes: { ...world.sizes, largeRush: { users: 5_000, units: 500 } }, largeRushCouponId: 9 });
    const specs = Array.from({ length: 5_000 }, () => next());
    expect(new Set(specs.map((s) => s.path)).size).toBe(5_000);
    expect(specs.every((s) => s.body === JSON.stringify({ couponId: 9 }))).toBe(true);
  });

  it('schedules the open loop at a fixed rate', () => {
    expect(dueAtMs(0, 500)).toBe(0);
    expect(dueAtMs(500, 500)).toBe(1000);
    expect(dueAtMs(3, 4)).toBe(750);
  });
});

// What prom-client's default GC metric looks like on /metrics (trimmed).
const GC_EXPOSITION = `# HELP nodejs_gc_duration_seconds Garbage collection duration by kind, one of major, minor, incremental or weakcb.
# TYPE nodejs_gc_duration_seconds histogram
nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 12
nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} 40
nodejs_gc_duration_seconds_sum{kind="minor"} 0.1825
nodejs_gc_duration_seconds_count{kind="minor"} 40
nodejs_gc_duration_seconds_sum{kind="major"} 0.75
nodejs_gc_duration_seconds_count{kind="major"} 3
`;

describe("the service's scavenges from /metrics", () => {
  it('reads the minor collections, not the major ones', () => {
    expect(youngCollectionsIn(GC_EXPOSITION)).toEqual({ count: 40, seconds: 0.1825 });
  });

  it('says nothing when the exposition has no GC figures', () => {
    expect(youngCollectionsIn('# HELP http_requests_total x\nhttp_requests_total{route="/"} 3\n')).toBeUndefined();
  });

  it('turns two readings into stopped time per second and the mean pause', () => {
    const between = youngCollectionsBetween({ count: 40, seconds: 0.1825 }, { count: 50, seconds: 0.2325 }, 2);
    expect(between.msPerSecond).toBeCloseTo(25);
    expect(between.meanPauseMs).toBeCloseTo(5);
    expect(youngCollectionsBetween({ count: 4, seconds: 1 }, { count: 4, seconds: 1 }, 3)).toEqual({ msPerSecond: 0, meanPauseMs: 0 });
  });
});
