import { OPEN_LOOP_SHARES, type OpenLoopPoint, type ScenarioMeasurement, type ScenarioName } from '../report';
import { arrivalOrderShare, pairsInOrder } from '../report';
import { hasCeiling, measureCeiling, type CeilingContext, type CeilingKind } from './ceilings';
import type { HostReclaim } from './host-reclaim';
import type { InvariantChecks } from './invariants';
import { percentile, runLoad, type LoadMeasurement, type LoadOptions, type RequestSpec } from './load';
import { runOpenLoop } from './open-loop';
import { readYoungCollections, youngCollectionsBetween } from './service-gc';
import {
  cancellableOrderGenerator,
  CONCURRENCY,
  flashGenerator,
  isExpectedStatus,
  largeRushGenerator,
  lifecycleGenerator,
  requestGenerator,
  scenarioRequests,
  uncontendedCouponGenerator,
  WARM_UP_MAX_REQUESTS,
  warmUpGenerator,
  type FlashPhase,
  type ScenarioWorld,
} from './scenarios';
import { describeLoad, errorMessage, log } from './util';

/*
 * One scenario of `pnpm bench`, in the same steps for each:
 *   1. the service ceiling, before;
 *   2. the scenario's load in a closed loop (its own shape: a plain run, the coupon rush and its
 *      uncontended twin, the flash sale's four phases);
 *   3. the open loop at 25, 50 and 75 % of the throughput just measured, then the same rates
 *      with the host's page reclaim paused (where the bench may: lib/host-reclaim.ts);
 *   4. the invariant checker once the relay has delivered, plus the scenario's own checks;
 *   5. the service ceiling again, then the lean and hot-row ceilings.
 */

export interface ScenarioContext {
  baseUrl: string;
  world: ScenarioWorld;
  checks: InvariantChecks;
  ceilings: CeilingContext;
  quick: boolean;
  profile: boolean;
  serviceSpawnedAt: number;
  /** The host's page-reclaim monitors, measured during the open loop; null where there are none. */
  hostReclaim: HostReclaim | null;
  /** Run the open loop's rates again with them paused (where the bench may). */
  pauseHostReclaim: boolean;
  /** What went wrong without stopping the run (a ceiling not measured): the run exits non-zero. */
  failures: string[];
}

/** What a scenario's own load measured, before the checker and the ceilings. */
interface LoadOutcome {
  requests: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** How long the service took: the ceiling after runs as long. */
  seconds: number;
  extra: Pick<ScenarioMeasurement, 'sellOut' | 'sellOutLarge' | 'spreadTps'>;
  /** The open loop's base throughput and request sequence; null when the scenario cannot be replayed. */
  openLoop: { base: number; next: () => RequestSpec; what: string } | null;
  /** The scenario's own checks, run after the relay drained: each problem found. */
  check: () => Promise<string[]>;
}

/** Above this rate the open loop's own client (one Node thread) would be the bottleneck. */
const OPEN_LOOP_MAX_RATE = 4_000;

export async function runScenario(ctx: ScenarioContext, name: ScenarioName, notes: string[]): Promise<ScenarioMeasurement> {
  const before = await ceiling(ctx, name, 'service', ctx.quick ? 5 : 10, notes, 'ceiling before');
  log(`${name}: ${scenarioRequests(name, ctx.world.sizes)} requests at concurrency ${CONCURRENCY[name]}`);
  const loadStartedAt = sinceSpawn(ctx);
  const outcome = await LOADS[name](ctx, notes);
  log(`${name}: ${outcome.tps.toFixed(0)} req/s, p50 ${outcome.p50Ms.toFixed(1)} ms, p99 ${outcome.p99Ms.toFixed(1)} ms, ${outcome.errors} errors`);
  const replay = outcome.openLoop;
  const openLoop = replay ? await openLoopStep(ctx, name, replay, notes, 'host as is') : [];
  const reclaim = ctx.hostReclaim;
  const openLoopQuietHost = replay && reclaim && ctx.pauseHostReclaim ? await reclaim.pausedWhile(() => openLoopStep(ctx, name, replay, notes, 'host reclaim paused')) : undefined;
  // Where this scenario sits in the service's CPU profile (seconds since the process started).
  if (ctx.profile) log(`${name}: profile window ${loadStartedAt.toFixed(1)}–${sinceSpawn(ctx).toFixed(1)} s after the service started`);
  const invariantsOk = await invariantStep(ctx, name, notes, outcome.check);
  const after = await ceiling(ctx, name, 'service', outcome.seconds, notes, 'ceiling after');
  const runs = [before, after].filter((t): t is number => t !== null);
  const ceilingTps = runs.length === 0 ? null : runs.reduce((a, b) => a + b, 0) / runs.length;
  const leanSeconds = ctx.quick ? 5 : 10;
  const leanCeilingTps = hasCeiling(name, 'lean') ? await ceiling(ctx, name, 'lean', leanSeconds, notes, 'lean ceiling') : null;
  const hotRowCeilingTps = hasCeiling(name, 'hot row') ? await ceiling(ctx, name, 'hot row', leanSeconds, notes, 'hot-row ceiling') : null;
  const ratio = (c: number | null): string => (c === null ? 'n/a' : `${(outcome.tps / c).toFixed(2)}×`);
  log(`${name}: ceilings service ${ceilingTps?.toFixed(0) ?? 'n/a'} (${ratio(ceilingTps)}), lean ${leanCeilingTps?.toFixed(0) ?? 'n/a'} (${ratio(leanCeilingTps)}), hot row ${hotRowCeilingTps?.toFixed(0) ?? 'n/a'} (${ratio(hotRowCeilingTps)})`);
  return {
    name,
    requests: outcome.requests,
    concurrency: CONCURRENCY[name],
    tps: outcome.tps,
    p50Ms: outcome.p50Ms,
    p99Ms: outcome.p99Ms,
    errors: outcome.errors,
    ceilingTps,
    leanCeilingTps,
    hotRowCeilingTps,
    invariantsOk,
    openLoop,
    ...(openLoopQuietHost ? { openLoopQuietHost } : {}),
    ...outcome.extra,
  };
}

/** Requests of the warm-up: enough for V8 to optimise each route's code (measured: 3,000 did). */
const WARM_UP_REQUESTS = Math.min(4_000, WARM_UP_MAX_REQUESTS);

/**
 * Before the first scenario: every route the scenarios load, unmeasured, at the highest
 * concurrency any scenario uses. A service meets a rush warm, after hours of ordinary traffic;
 * without this, the scenario that runs first (the coupon rush) alone paid the fresh process's
 * start: code not yet optimised and the load's first connections (measured in --quick runs:
 * 282–306 issues/s cold, 592 warm, against about 600 for the uncontended route). An unexpected
 * answer fails the run like any scenario's error.
 */
export async function warmUp(ctx: ScenarioContext): Promise<void> {
  const concurrency = Math.max(...Object.values(CONCURRENCY));
  const load = await runLoad({ baseUrl: ctx.baseUrl, connections: concurrency, amount: WARM_UP_REQUESTS, maxSeconds: ctx.world.sizes.maxSeconds, next: warmUpGenerator(ctx.world), expected: isExpectedStatus });
  log(`warm-up: ${describeLoad(load)}`);
  if (load.errors > 0) ctx.failures.push(`warm-up: ${load.errors} errors (${describeLoad(load)})`);
}

const sinceSpawn = (ctx: ScenarioContext): number => (performance.now() - ctx.serviceSpawnedAt) / 1000;

/** One ceiling run; a failure is noted and fails the run, and the ratio reads n/a. */
async function ceiling(ctx: ScenarioContext, name: ScenarioName, kind: CeilingKind, seconds: number, notes: string[], label: string): Promise<number | null> {
  try {
    const tps = await measureCeiling(ctx.ceilings, name, kind, seconds, notes, label);
    log(`${name}: ${label} ${tps.toFixed(0)}/s`);
    return tps;
  } catch (error) {
    const message = errorMessage(error).split('\n').slice(0, 3).join(' ');
    notes.push(`${label} not measured: ${message}`);
    ctx.failures.push(`${name}: ${label} not measured: ${message}`);
    log(`${name}: ${label} failed: ${errorMessage(error)}`);
    return null;
  }
}

const summary = (load: LoadMeasurement): Omit<LoadOutcome, 'extra' | 'openLoop' | 'check'> => ({
  requests: load.requests,
  tps: load.tps,
  p50Ms: load.p50Ms,
  p99Ms: load.p99Ms,
  errors: load.errors,
  seconds: load.seconds,
});

const closedLoop = (ctx: ScenarioContext, name: ScenarioName, amount: number, next: () => RequestSpec, onAnswer?: LoadOptions['onAnswer']): Promise<LoadMeasurement> =>
  runLoad({ baseUrl: ctx.baseUrl, connections: CONCURRENCY[name], amount: Math.max(1, amount), maxSeconds: ctx.world.sizes.maxSeconds, next, expected: isExpectedStatus, ...(onAnswer ? { onAnswer } : {}) });

/** A plain closed loop of the scenario's requests; the open loop replays the same sequence. */
async function plainLoad(ctx: ScenarioContext, name: ScenarioName, notes: string[]): Promise<LoadOutcome> {
  const load = await closedLoop(ctx, name, scenarioRequests(name, ctx.world.sizes), requestGenerator(name, ctx.world));
  notes.push(`service: ${describeLoad(load)}`);
  return { ...summary(load), extra: {}, openLoop: { base: load.tps, next: requestGenerator(name, ctx.world), what: 'the same requests' }, check: () => Promise.resolve([]) };
}

/**
 * The coupon rush: distinct users for one coupon of `rushQuantity` units. Its sell-out is the
 * units issued ÷ the time to the last one (refusals excluded), beside the same route spread over
 * 100 coupons with plenty of units (same run, same concurrency), and how close issuance came to
 * the order in which requests were sent.
 */
async function couponRush(ctx: ScenarioContext, notes: string[]): Promise<LoadOutcome> {
  const { sizes } = ctx.world;
  const rush = await sellOut(ctx, 'rush', sizes.rushRequests, requestGenerator('coupon-rush', ctx.world), sizes.rushQuantity, notes);
  // When each uncontended issue was answered: its first `rushQuantity` issues are the rush's twin
  // from the same opening burst of `CONCURRENCY` requests (see `sameUnitsTps`).
  const issuedAt: number[] = [];
  const uncontended = await closedLoop(ctx, 'coupon-rush', sizes.uncontendedRequests, uncontendedCouponGenerator(ctx.world), (_i, _kind, status, seconds) => {
    if (status === 201) issuedAt.push(seconds);
  });
  const uncontendedIssued = uncontended.statuses['coupon 201'] ?? 0;
  const uncontendedSeconds = uncontended.lastAnswerSeconds['coupon 201'] ?? 0;
  const uncontendedTps = uncontendedSeconds > 0 ? uncontendedIssued / uncontendedSeconds : null;
  const sameUnitsTps = (units: number): number | null => {
    const seconds = issuedAt[units - 1];
    return seconds === undefined || seconds <= 0 ? null : units / seconds;
  };
  notes.push(
    `uncontended (the same route over 100 coupons with plenty of units): ${describeLoad(uncontended)} → ${uncontendedTps?.toFixed(0) ?? 'n/a'} issues/s; its first ${sizes.rushQuantity} issues ${sameUnitsTps(sizes.rushQuantity)?.toFixed(0) ?? 'n/a'}/s`,
  );
  log(`coupon-rush: sell-out ${(rush.issued / Math.max(0.001, rush.seconds)).toFixed(0)} issues/s, uncontended ${uncontendedTps?.toFixed(0) ?? 'n/a'} issues/s`);
  const large = sizes.largeRush && ctx.world.largeRushCouponId !== null
    ? await sellOut(ctx, 'large rush', sizes.largeRush.users, largeRushGenerator(ctx.world), sizes.largeRush.units, notes)
    : null;
  return {
    ...summary(rush.load),
    errors: rush.load.errors + uncontended.errors + (large?.load.errors ?? 0),
    extra: {
      sellOut: { ...rush.measured, uncontendedTps, uncontendedSameUnitsTps: sameUnitsTps(rush.issued) },
      ...(large ? { sellOutLarge: { ...large.measured, uncontendedTps, uncontendedSameUnitsTps: sameUnitsTps(large.issued) } } : {}),
    },
    openLoop:
      uncontendedTps === null
        ? null
        : { base: uncontendedTps, next: uncontendedCouponGenerator(ctx.world, sizes.uncontendedRequests), what: 'issues of the uncontended coupons (a sell-out cannot be replayed)' },
    check: async () => {
      const problems: string[] = [];
      const expectIssued = async (label: string, couponId: number, units: number, answered: number): Promise<void> => {
        const found = await ctx.checks.issuedCoupons(couponId);
        notes.push(`${label}: coupons issued ${found} of ${units}`);
        if (found !== units) problems.push(`${label}: expected exactly ${units} coupons issued, found ${found}`);
        if (answered !== found) problems.push(`${label}: ${answered} answers said issued, the database holds ${found}`);
      };
      await expectIssued('rush', ctx.world.rushCouponId, sizes.rushQuantity, rush.issued);
      if (large && sizes.largeRush && ctx.world.largeRushCouponId !== null) await expectIssued('large rush', ctx.world.largeRushCouponId, sizes.largeRush.units, large.issued);
      return problems;
    },
  };
}

/**
 * One sell-out: distinct users for one coupon. Measures the units issued ÷ the time to the last
 * one (refusals excluded) and how close issuance came to the order in which requests were sent.
 */
async function sellOut(ctx: ScenarioContext, label: string, requests: number, next: () => RequestSpec, units: number, notes: string[]) {
  const issuedSendIndexes: number[] = [];
  const load = await closedLoop(ctx, 'coupon-rush', requests, next, (i, _kind, status) => {
    if (status === 201) issuedSendIndexes.push(i);
  });
  notes.push(`${label}: ${describeLoad(load)}`);
  const issued = load.statuses['coupon 201'] ?? 0;
  const seconds = load.lastAnswerSeconds['coupon 201'] ?? 0;
  notes.push(
    `${label} sell-out: ${issued} units in ${seconds.toFixed(2)} s from the first request (${(issued / Math.max(0.001, seconds)).toFixed(0)} issues/s); the ${load.requests - issued} refusals ran until ${load.seconds.toFixed(1)} s`,
  );
  // onAnswer runs in answer order: the list is the send positions of the units in issue order.
  const inArrivalOrder = arrivalOrderShare(issuedSendIndexes, units);
  const pairsInArrivalOrder = pairsInOrder(issuedSendIndexes);
  if (inArrivalOrder !== null) {
    notes.push(
      `${label} arrival order: ${(inArrivalOrder * 100).toFixed(1)} % of the units went to the first ${units} requests sent (the latest served was sent ${Math.max(...issuedSendIndexes) + 1}th); ${((pairsInArrivalOrder ?? 0) * 100).toFixed(1)} % of the pairs of units were answered in sending order`,
    );
  }
  if (label !== 'rush') log(`coupon-rush: ${label} ${issued} units in ${seconds.toFixed(2)} s, ${load.errors} errors`);
  return { load, issued, seconds, measured: { issued, seconds, inArrivalOrder, pairsInArrivalOrder } };
}

/**
 * The flash sale: `flashBuyers` distinct funded users for `flashUnits` units of one product, one
 * unit each; then as many for a second product, 1–3 units, every third order with a coupon; then
 * the same two shapes spread over the catalogue's 100 products, as many orders as each flash phase
 * paid. Throughput is orders paid ÷ the time to the last one paid, refusals excluded.
 */
async function flashSale(ctx: ScenarioContext, notes: string[]): Promise<LoadOutcome> {
  const { sizes } = ctx.world;
  const phase = async (p: FlashPhase, requests: number): Promise<{ load: LoadMeasurement; paid: number; seconds: number }> => {
    const load = await closedLoop(ctx, 'flash-sale', requests, flashGenerator(ctx.world, p));
    const paid = load.statuses['order 201'] ?? 0;
    const seconds = load.lastAnswerSeconds['order 201'] ?? 0;
    notes.push(`${p}: ${describeLoad(load)}; ${paid} orders paid in ${seconds.toFixed(2)} s (${(paid / Math.max(0.001, seconds)).toFixed(0)}/s)`);
    log(`flash-sale: ${p} ${paid} orders paid in ${seconds.toFixed(2)} s, ${load.errors} errors`);
    return { load, paid, seconds };
  };
  const one = await phase('flash-one', sizes.flashBuyers);
  const mixed = await phase('flash-mixed', sizes.flashBuyers);
  const spreadOne = await phase('spread-one', one.paid);
  const spreadMixed = await phase('spread-mixed', mixed.paid);
  const rate = (a: { paid: number; seconds: number }, b: { paid: number; seconds: number }): number =>
    a.seconds + b.seconds > 0 ? (a.paid + b.paid) / (a.seconds + b.seconds) : 0;
  const latencies = [...one.load.latenciesMs, ...mixed.load.latenciesMs].sort((a, b) => a - b);
  return {
    requests: one.load.requests + mixed.load.requests,
    tps: rate(one, mixed),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: one.load.errors + mixed.load.errors + spreadOne.load.errors + spreadMixed.load.errors,
    seconds: one.load.seconds + mixed.load.seconds,
    extra: { spreadTps: rate(spreadOne, spreadMixed) },
    openLoop: null,
    check: async () => {
      const problems: string[] = [];
      for (const [k, productId] of ctx.world.flashProductIds.entries()) {
        const f = await ctx.checks.flashSale(productId);
        const answered = (k === 0 ? one : mixed).paid;
        notes.push(`flash product ${k + 1}: ${f.sold} of ${f.received} units sold in ${f.orders} orders; stock left ${f.stock}`);
        if (f.sold > f.received || f.stock < 0) problems.push(`flash product ${k + 1} oversold: ${f.sold} sold of ${f.received}, stock ${f.stock}`);
        if (f.buyersWithTwoOrders > 0) problems.push(`flash product ${k + 1}: ${f.buyersWithTwoOrders} buyers have two orders (one request each was sent)`);
        if (f.ordersNotDebitedOnce > 0) problems.push(`flash product ${k + 1}: ${f.ordersNotDebitedOnce} orders without exactly one PAYMENT of their paid amount`);
        if (f.orders !== answered) problems.push(`flash product ${k + 1}: ${answered} answers said paid, the database holds ${f.orders} orders`);
      }
      return problems;
    },
  };
}

/**
 * The order lifecycle, `cancel` or `refund`: `requests` orders of one unit of a catalogue product
 * placed through the service first (not measured), then each cancelled by its own user, or its
 * unit refunded and restocked by an admin, once, at the scenario's concurrency. Neither can be
 * replayed, so the open loop gets orders of its own, placed (not measured) once the closed loop's
 * rate is known: as many as its rates will send, a tenth more. Every answer must be a success,
 * and every order the closed loop undid must end CANCELLED or REFUNDED.
 */
async function lifecycle(ctx: ScenarioContext, name: 'cancel' | 'refund', notes: string[]): Promise<LoadOutcome> {
  const { sizes } = ctx.world;
  const undone = name === 'cancel' ? 'CANCELLED' : 'REFUNDED';
  const placeOrders = async (count: number, what: string) => {
    const before = await ctx.checks.lastOrderId();
    const placing = await closedLoop(ctx, name, count, cancellableOrderGenerator(ctx.world, before));
    notes.push(`${what} (not measured): ${describeLoad(placing)}`);
    const orders = await ctx.checks.ordersAfter(before);
    if (orders.length !== (placing.statuses['order 201'] ?? 0)) ctx.failures.push(`${name}: ${placing.statuses['order 201'] ?? 0} orders answered 201, the database holds ${orders.length}`);
    return { before, orders, errors: placing.errors };
  };
  const measured = await placeOrders(scenarioRequests(name, sizes), `orders placed for the ${name}s`);
  const load = await closedLoop(ctx, name, measured.orders.length, lifecycleGenerator(ctx.world, name, measured.orders));
  notes.push(`service: ${describeLoad(load)}`);
  const hostModes = ctx.hostReclaim && ctx.pauseHostReclaim ? 2 : 1;
  const openLoopSends = OPEN_LOOP_SHARES.reduce((sum, share) => sum + Math.min(OPEN_LOOP_MAX_RATE, load.tps * share) * sizes.openLoopSeconds, 0) * hostModes;
  const replay = await placeOrders(Math.ceil(openLoopSends * 1.1), 'orders placed for the open loop');
  return {
    ...summary(load),
    errors: measured.errors + load.errors + replay.errors,
    extra: {},
    openLoop: { base: load.tps, next: lifecycleGenerator(ctx.world, name, replay.orders), what: `${name}s of orders placed for them` },
    check: async () => {
      const ids = new Set(measured.orders.map((o) => o.orderId));
      const after = (await ctx.checks.ordersAfter(measured.before)).filter((o) => ids.has(o.orderId));
      const left = after.filter((o) => o.status !== undone).length;
      notes.push(`the closed loop's ${ids.size} orders: ${left} not ${undone}`);
      return left > 0 ? [`${left} of ${ids.size} orders are not ${undone} after their ${name} succeeded`] : [];
    },
  };
}

const LOADS: Record<ScenarioName, (ctx: ScenarioContext, notes: string[]) => Promise<LoadOutcome>> = {
  'coupon-rush': couponRush,
  'hot-product-order': (ctx, notes) => plainLoad(ctx, 'hot-product-order', notes),
  charge: (ctx, notes) => plainLoad(ctx, 'charge', notes),
  'product-read': (ctx, notes) => plainLoad(ctx, 'product-read', notes),
  mixed: (ctx, notes) => plainLoad(ctx, 'mixed', notes),
  'flash-sale': flashSale,
  cancel: (ctx, notes) => lifecycle(ctx, 'cancel', notes),
  refund: (ctx, notes) => lifecycle(ctx, 'refund', notes),
};

/**
 * The open loop at each share of the closed-loop throughput, capped at what its client can send,
 * with the CPU time the host's page reclaim took during each rate (`host` names the pass) and
 * the time the service's own scavenges stopped it.
 */
async function openLoopStep(ctx: ScenarioContext, name: ScenarioName, o: NonNullable<LoadOutcome['openLoop']>, notes: string[], host: string): Promise<OpenLoopPoint[]> {
  const points: OpenLoopPoint[] = [];
  for (const share of OPEN_LOOP_SHARES) {
    const wanted = o.base * share;
    const rate = Math.min(OPEN_LOOP_MAX_RATE, wanted);
    const reclaimBefore = ctx.hostReclaim?.cpuMs() ?? null;
    const scavengesBefore = await readYoungCollections(ctx.baseUrl);
    const startedAt = performance.now();
    const r = await runOpenLoop({ baseUrl: ctx.baseUrl, rate, seconds: ctx.world.sizes.openLoopSeconds, next: o.next, expected: isExpectedStatus });
    const seconds = (performance.now() - startedAt) / 1000;
    const reclaim = reclaimBefore === null ? null : ((ctx.hostReclaim?.cpuMs() ?? 0) - reclaimBefore) / seconds;
    const scavengesAfter = await readYoungCollections(ctx.baseUrl);
    const scavenges = scavengesBefore && scavengesAfter ? youngCollectionsBetween(scavengesBefore, scavengesAfter, seconds) : null;
    points.push({
      rate: r.rate,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
      ...(reclaim === null ? {} : { hostReclaimMsPerSecond: reclaim }),
      ...(scavenges === null ? {} : { serviceYoungGcMsPerSecond: scavenges.msPerSecond, serviceYoungGcMeanPauseMs: scavenges.meanPauseMs }),
    });
    const reclaimNote = reclaim === null ? '' : `; the host's page reclaim took ${reclaim.toFixed(1)} ms of CPU a second`;
    const scavengeNote = scavenges === null ? '' : `; the service's scavenges stopped it ${scavenges.msPerSecond.toFixed(1)} ms a second (${scavenges.meanPauseMs.toFixed(1)} ms each)`;
    notes.push(
      `open loop at ${share * 100} %, ${host}${rate < wanted ? ` (capped at ${OPEN_LOOP_MAX_RATE}/s: ${wanted.toFixed(0)}/s is beyond the open loop's own client)` : ''}: ${r.sent} ${o.what} due at ${rate.toFixed(0)}/s, ${r.answered} answered (${r.achievedRate.toFixed(0)}/s), p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors; the client sent its requests up to ${r.sendLagP99Ms.toFixed(1)} ms late (p99)${reclaimNote}${scavengeNote}`,
    );
    log(
      `${name}: open loop ${rate.toFixed(0)}/s, ${host} → p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors, client send lag p99 ${r.sendLagP99Ms.toFixed(1)} ms` +
        `${reclaim === null ? '' : `, host reclaim ${reclaim.toFixed(1)} ms/s`}${scavenges === null ? '' : `, scavenges ${scavenges.msPerSecond.toFixed(1)} ms/s`}`,
    );
  }
  return points;
}

/** The service's invariant checker once the relay has delivered, and the scenario's own checks. */
async function invariantStep(ctx: ScenarioContext, name: ScenarioName, notes: string[], check: () => Promise<string[]>): Promise<boolean> {
  const pendingAtEnd = await ctx.checks.pendingEvents();
  const verdict = await ctx.checks.check(ctx.world.sizes.drainSeconds);
  if (pendingAtEnd > 0) {
    notes.push(
      `relay: ${pendingAtEnd} events were still pending when the load ended; delivered in ${verdict.drainSeconds.toFixed(1)} s more (≈ ${(pendingAtEnd / Math.max(verdict.drainSeconds, 0.001)).toFixed(0)} events/s)`,
    );
  }
  const problems = [...verdict.problems, ...(await check())];
  const ok = verdict.ok && problems.length === 0;
  const orders = await ctx.checks.paidOrders();
  notes.push(`invariants ${ok ? 'hold' : 'VIOLATED'} (checked after the relay drained in ${verdict.drainSeconds.toFixed(1)} s; ${orders} orders so far)`);
  for (const problem of problems.slice(0, 10)) notes.push(`violation: ${problem}`);
  log(`${name}: invariants ${ok ? 'ok' : `VIOLATED: ${problems.slice(0, 3).join('; ')}`}`);
  return ok;
}
