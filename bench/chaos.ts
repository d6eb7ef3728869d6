/*
 * `pnpm chaos [--seed=N] [--seconds=180] [--max-ops=40000] [--shoppers=16]`: a mixed storefront
 * load against two HTTP instances and two relays on a PostgreSQL cluster of its own, while
 * faults are injected at random: kill -9 of an instance or a relay (restarted after a moment),
 * PostgreSQL restarted or stopped and started, the data platform taken off its port and back.
 *
 * Every write goes through the ledger (bench/lib/ledger.ts) with an Idempotency-Key; a write in
 * doubt is retried with its key. At the end, with every fault healed: each acknowledged write
 * must be in the database with exactly its acknowledged values, each other one applied at most
 * once, every event delivered with a valid signature (and an order's events in the order they
 * happened), no idempotency key stuck, and the invariant checker must find nothing.
 *
 * Loopback only; bounded in time and operations; stops by itself and cleans up (children
 * killed, cluster dropped) whatever happens. The seed fixes the sequence of operations and of
 * faults, so a failing run is replayed with `--seed=<its seed>` (the interleaving with the
 * machine's timing is not fixed: a replay is the same storm, not the same schedule).
 * The summary is printed and written to bench/results/chaos-latest.{md,json}.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkInvariants, openDatabase } from '@storefront/adapters';
import type pg from 'pg';
import type { OwnCluster } from './lib/cluster';
import { MAX_BALANCE, roleEnv, seededOwnCluster, shoppers, startHttpRole, startRelayRole, TIME_ZONE } from './lib/fault-run';
import { verifyLedger, type Intent, type WriteLedger, type Write } from './lib/ledger';
import { withClientAt } from './lib/postgres';
import { stopAllChildServers, type ChildServer } from './lib/processes';
import { SeededRandom } from './lib/random';
import { startEventReceiver, type EventReceiver } from './lib/receiver';
import { signAdminToken } from './lib/tokens';
import { freePort, runMain } from './lib/util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const logDir = join(root, 'bench', '.out', 'chaos');

const option = (name: string, fallback: number): number => {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
};
const SEED = option('seed', Math.floor(Math.random() * 2 ** 31));
const SECONDS = Math.min(option('seconds', 180), 1_800);
const MAX_OPS = option('max-ops', 40_000);
const SHOPPERS = Math.max(1, Math.min(option('shoppers', 16), 64));

const USERS = 200;
const PRODUCTS = 30;
const SETTLE_SECONDS = 90;
const DRAIN_SECONDS = 240;

const log = (message: string): void => {
  process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** A process of the service that faults kill and the run restarts. */
class Instance {
  child: ChildServer | null = null;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly launch: (logFile: string) => Promise<ChildServer>,
    readonly baseUrl: string | null,
  ) {}

  get up(): boolean {
    return this.child !== null && !this.child.exited();
  }

  /** Starts it; a start that fails (PostgreSQL down at that moment) is tried again until `deadline`. */
  async start(deadline: number): Promise<void> {
    for (;;) {
      try {
        this.starts += 1;
        this.child = await this.launch(join(logDir, `${this.name}.${this.starts}.log`));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1_000);
      }
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    await child?.kill();
  }
}

interface OrderMemo {
  orderId: number;
  userId: number;
  /** Units of each line not yet asked to be refunded. */
  refundable: Map<number, number>;
  closed: boolean;
}

/** What the shoppers know of their own past, to choose what to do next. */
class ShopperMemory {
  readonly coupons = new Map<number, number[]>();
  readonly orders: OrderMemo[] = [];
  private readonly seen = new Set<number>();

  /** Learns from writes answered since the last look. */
  learn(ledger: WriteLedger): void {
    for (const write of ledger.writes) {
      if (write.outcome !== 'acknowledged' || this.seen.has(write.seq)) continue;
      this.seen.add(write.seq);
      if (write.intent.kind === 'coupon') {
        const list = this.coupons.get(write.intent.userId) ?? [];
        list.push(Number(write.body?.userCouponId));
        this.coupons.set(write.intent.userId, list);
      } else if (write.intent.kind === 'order') {
        this.orders.push({
          orderId: Number(write.body?.orderId),
          userId: write.intent.userId,
          refundable: new Map(write.intent.items.map((l) => [l.productId, l.quantity])),
          closed: false,
        });
      }
    }
  }
}

interface Summary {
  seed: number;
  startedAt: string;
  seconds: number;
  operations: Record<string, number>;
  outcomes: { acknowledged: number; refused: number; pending: number };
  answers: Record<string, number>;
  faults: Record<string, number>;
  acknowledgedChecked: number;
  unacknowledgedChecked: number;
  events: { inOutbox: number; delivered: number; deliveries: number; ordersWithSeveralEvents: number };
  violations: string[];
  lifecycleRoutes: boolean;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const rng = new SeededRandom(SEED);
  const faultRng = rng.fork(1);
  log(`seed ${SEED} (replay with --seed=${SEED}), ${SECONDS} s, at most ${MAX_OPS} operations, ${SHOPPERS} shoppers`);

  let cluster: OwnCluster | null = null;
  let receiver: EventReceiver | null = null;
  const instances: Instance[] = [];
  let interrupted = false;
  const cleanup = async (): Promise<void> => {
    await stopAllChildServers();
    await receiver?.close().catch(() => undefined);
    await cluster?.drop().catch((error: unknown) => log(`could not drop the cluster: ${String(error)}`));
  };
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping the children and dropping the cluster');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const prepared = await seededOwnCluster('chaos', {
      users: USERS,
      walletBalance: 2_000_000,
      catalogue: PRODUCTS,
      catalogueStock: 1_000_000,
      hotStock: 1_000_000,
      rushQuantity: 50,
      mixedCouponQuantity: 100_000,
    });
    const { databaseUrl, seeded } = prepared;
    const pgCluster = (cluster = prepared.cluster);
    log(`cluster ${pgCluster.name} on port ${pgCluster.port}: migrated and seeded (${USERS} wallets, ${PRODUCTS + 1} products, a rush coupon of 50)`);

    const platformSecret = randomBytes(16).toString('hex');
    receiver = await startEventReceiver({ secret: platformSecret });
    const { jwtSecret, tokens, ledger } = await shoppers(USERS, 6 * 3600);
    // Many short outages: an event must not be parked as FAILED before the run ends.
    const env = roleEnv({ databaseUrl, jwtSecret, idempotencyLeaseMs: 3_000, extra: { OUTBOX_MAX_ATTEMPTS: '100' } });
    const platform = { url: receiver.url, secret: platformSecret };
    for (const n of [1, 2]) {
      const port = await freePort();
      instances.push(new Instance(`http-${n}`, (logFile) => startHttpRole({ name: `http-${n}`, env, port, logFile, readyPath: '/health/live' }), `http://127.0.0.1:${port}`));
    }
    for (const n of [1, 2]) {
      // Each relay's metrics listener on a port of its own.
      const metricsPort = await freePort();
      instances.push(new Instance(`relay-${n}`, (logFile) => startRelayRole({ name: `relay-${n}`, env, metricsPort, platform, logFile }), null));
    }
    await Promise.all(instances.map((i) => i.start(Date.now() + 60_000)));
    const https = instances.filter((i) => i.baseUrl !== null);
    const liveUrls = (): string[] => https.filter((i) => i.up).map((i) => i.baseUrl!);
    log(`started ${instances.map((i) => i.name).join(', ')}; receiver at ${receiver.url}`);

    // More first-come coupons than the seed's two, so that issues keep succeeding all run long.
    const couponIds = [seeded.mixedCouponId, ...(await createCoupons(https[0]!.baseUrl!, await signAdminToken(jwtSecret, 3600), 8))];
    const lifecycleRoutes = await hasLifecycleRoutes(https[0]!.baseUrl!, tokens[1]!);
    log(lifecycleRoutes ? 'cancel and refund routes found: included in the mix' : 'no cancel/refund routes on this build: charges, orders and coupons only');

    // The load.
    const loadEnds = Date.now() + SECONDS * 1000;
    const memory = new ShopperMemory();
    const retryPool: Write[] = [];
    const nextIntent = (): Intent | null => {
      memory.learn(ledger);
      const kind = rng.weighted(
        lifecycleRoutes
          ? { charge: 20, order: 30, couponOrder: 10, coupon: 15, cancel: 12, refund: 13 }
          : { charge: 25, order: 40, couponOrder: 15, coupon: 20, cancel: 0, refund: 0 },
      );
      const userId = rng.int(1, USERS);
      const items = (): { productId: number; quantity: number }[] => {
        const first = rng.int(1, PRODUCTS);
        const lines = [{ productId: first, quantity: rng.int(1, 3) }];
        if (rng.next() < 0.4) lines.push({ productId: rng.next() < 0.5 ? seeded.hotProductId : 1 + (first % PRODUCTS), quantity: rng.int(1, 2) });
        return lines;
      };
      switch (kind) {
        case 'charge':
          // Unique per write, so the ledger tells each charge of a user apart from the others.
          return { kind: 'charge', userId, amount: 10_000 + ledger.writes.length };
        case 'order':
          return { kind: 'order', userId, items: items() };
        case 'couponOrder': {
          const held = memory.coupons.get(userId) ?? [];
          const userCouponId = held.shift();
          return userCouponId === undefined ? { kind: 'order', userId, items: items() } : { kind: 'order', userId, items: items(), userCouponId };
        }
        case 'coupon':
          return { kind: 'coupon', userId, couponId: rng.next() < 0.2 ? seeded.rushCouponId : rng.pick(couponIds) };
        case 'cancel': {
          const open = memory.orders.filter((o) => !o.closed);
          if (open.length === 0) return null;
          const order = rng.pick(open);
          order.closed = true;
          return { kind: 'cancel', userId: order.userId, orderId: order.orderId };
        }
        case 'refund': {
          const open = memory.orders.filter((o) => !o.closed && [...o.refundable.values()].some((q) => q > 0));
          if (open.length === 0) return null;
          const order = rng.pick(open);
          const [productId, left] = rng.pick([...order.refundable.entries()].filter(([, q]) => q > 0));
          const quantity = rng.int(1, left);
          order.refundable.set(productId, left - quantity);
          return { kind: 'refund', orderId: order.orderId, items: [{ productId, quantity }] };
        }
      }
      return null;
    };
    const shopper = async (): Promise<void> => {
      while (Date.now() < loadEnds && ledger.writes.length < MAX_OPS && !interrupted) {
        const urls = liveUrls();
        if (urls.length === 0) {
          await sleep(100);
          continue;
        }
        const url = rng.pick(urls);
        if (retryPool.length > 0 && rng.next() < 0.3) {
          const write = retryPool.shift()!;
          await ledger.attempt(url, write);
          if (write.outcome === 'pending') retryPool.push(write);
          continue;
        }
        const intent = nextIntent();
        if (intent === null) continue;
        const write = ledger.add(intent);
        await ledger.attempt(url, write);
        if (write.outcome === 'pending') {
          retryPool.push(write);
          await sleep(50);
        }
      }
    };

    // The faults, one at a time, each healed before the next.
    const faults: Record<string, number> = {};
    let pgDown = false;
    const injectFaults = async (): Promise<void> => {
      while (Date.now() < loadEnds - 5_000 && ledger.writes.length < MAX_OPS && !interrupted) {
        await sleep(faultRng.int(2_000, 6_000));
        const fault = faultRng.weighted({ 'kill -9 http': 3, 'kill -9 relay': 2, 'postgres restart': 1, 'postgres stop/start': 1, 'platform down': 2 });
        faults[fault] = (faults[fault] ?? 0) + 1;
        const pause = faultRng.int(500, 4_000);
        log(`fault: ${fault} (for ${pause} ms)`);
        try {
          if (fault === 'kill -9 http' || fault === 'kill -9 relay') {
            const victim = faultRng.pick(instances.filter((i) => (fault === 'kill -9 http') === (i.baseUrl !== null)));
            await victim.kill();
            await sleep(pause);
            await victim.start(Date.now() + 60_000);
          } else if (fault === 'postgres restart') {
            await pgCluster.restart(faultRng.next() < 0.5 ? 'fast' : 'immediate');
          } else if (fault === 'postgres stop/start') {
            pgDown = true;
            await pgCluster.stop('immediate');
            await sleep(pause);
            await pgCluster.start();
            pgDown = false;
          } else {
            await receiver!.stop();
            await sleep(pause * 2);
            await receiver!.start();
          }
        } catch (error) {
          log(`fault ${fault} did not go as planned: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };

    log('load and faults running');
    const progress = setInterval(() => {
      log(`${ledger.writes.length} writes, ${ledger.acknowledged().length} acknowledged, ${retryPool.length} in doubt, ${receiver!.distinctEvents()} events received`);
    }, 15_000);
    await Promise.all([...Array.from({ length: SHOPPERS }, () => shopper()), injectFaults()]);
    clearInterval(progress);

    // Heal everything, then settle the writes still in doubt.
    if (pgDown) await pgCluster.start();
    await receiver.start();
    await Promise.all(instances.filter((i) => !i.up).map((i) => i.start(Date.now() + 60_000)));
    log(`load over: ${ledger.writes.length} writes; settling ${ledger.pending().length} in doubt`);
    const stillPending = await ledger.settle(liveUrls, Date.now() + SETTLE_SECONDS * 1000);
    const violations = [...ledger.violations];
    if (stillPending > 0) log(`${stillPending} writes still in doubt after ${SETTLE_SECONDS} s (checked as at most once)`);
    for (const write of ledger.pending()) violations.push(`${write.intent.kind} #${write.seq} still unanswered for sure after ${SETTLE_SECONDS} s: ${write.lastAnswer ?? 'no answer'}`);

    const outcome = await withClientAt(databaseUrl, async (client) => {
      const drained = await waitForDrain(client, DRAIN_SECONDS);
      if (!drained) violations.push(`events still pending after ${DRAIN_SECONDS} s`);
      const verdict = await verifyLedger(ledger, client);
      violations.push(...verdict.violations);
      const { rows: stuck } = await client.query<{ n: number }>(`select count(*)::int as n from idempotency_keys where status <> 'COMPLETED'`);
      if ((stuck[0]?.n ?? 0) > 0) violations.push(`${stuck[0]?.n} idempotency keys not COMPLETED`);
      const events = await checkEvents(client, receiver!, violations);
      return { verdict, events };
    });
    const checker = await openDatabase({ databaseUrl, poolSize: 1, statementTimeoutMs: 600_000 });
    try {
      const report = await checkInvariants(checker.db, { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE, requireDelivered: true });
      violations.push(...report.violations.map((v) => `invariant ${v.invariant} (${v.subject}): ${v.detail}`));
    } finally {
      await checker.close();
    }
    for (const instance of instances) if (!instance.up) violations.push(`${instance.name} is not running at the end`);

    const operations: Record<string, number> = {};
    for (const write of ledger.writes) {
      const kind = write.intent.kind === 'order' && write.intent.userCouponId !== undefined ? 'order with coupon' : write.intent.kind;
      operations[kind] = (operations[kind] ?? 0) + 1;
    }
    const summary: Summary = {
      seed: SEED,
      startedAt: startedAt.toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      operations,
      outcomes: {
        acknowledged: ledger.acknowledged().length,
        refused: ledger.writes.filter((w) => w.outcome === 'refused').length,
        pending: ledger.pending().length,
      },
      answers: Object.fromEntries([...ledger.answers.entries()].sort()),
      faults,
      acknowledgedChecked: outcome.verdict.acknowledgedChecked,
      unacknowledgedChecked: outcome.verdict.unacknowledgedChecked,
      events: { ...outcome.events, deliveries: receiver.deliveries() },
      violations,
      lifecycleRoutes,
    };
    writeSummary(summary);
    return violations.length === 0 ? 0 : 1;
  } finally {
    if (!interrupted) await cleanup();
  }
}

async function createCoupons(baseUrl: string, adminToken: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let n = 1; n <= count; n++) {
    const response = await fetch(`${baseUrl}/admin/coupons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Chaos coupon ${n}`, discountType: n % 2 === 0 ? 'RATE' : 'FIXED', discountValue: n % 2 === 0 ? 10 : 700, totalQuantity: 150, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }),
    });
    const body = (await response.json()) as { id?: number };
    if (response.status !== 201 || typeof body.id !== 'number') throw new Error(`creating a coupon answered ${response.status}`);
    ids.push(body.id);
  }
  return ids;
}

async function hasLifecycleRoutes(baseUrl: string, userToken: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/orders/999999999/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await response.json().catch(() => ({}))) as { code?: string };
  return response.status !== 404 || body.code === 'ORDER_NOT_FOUND';
}

async function waitForDrain(client: pg.Client, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from outbox where status = 'PENDING'`);
    if (rows[0]?.n === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

/**
 * Every event in the outbox reached the platform with a valid signature, and each order's
 * events were first accepted in the order they were written (outbox seq).
 */
async function checkEvents(client: pg.Client, receiver: EventReceiver, violations: string[]): Promise<{ inOutbox: number; delivered: number; ordersWithSeveralEvents: number }> {
  const { rows } = await client.query<{ event_id: string; seq: string; status: string; order_id: string | null }>(
    `select event_id::text, seq::text, status, coalesce(payload -> 'data' ->> 'orderId', payload ->> 'orderId') as order_id from outbox order by seq`,
  );
  const accepted = receiver.accepted();
  const acceptedIndex = new Map(accepted.map((e, i) => [e.eventId, i]));
  for (const row of rows) {
    if (!acceptedIndex.has(row.event_id)) violations.push(`event ${row.event_id} (seq ${row.seq}, ${row.status}) never reached the platform`);
    else if (row.status !== 'DELIVERED') violations.push(`event ${row.event_id} reached the platform but is ${row.status} in the outbox`);
  }
  for (const why of receiver.rejected().slice(0, 20)) violations.push(`the platform refused a delivery: ${why}`);
  const byOrder = new Map<string, { seq: number; index: number }[]>();
  for (const row of rows) {
    const index = acceptedIndex.get(row.event_id);
    if (row.order_id === null || index === undefined) continue;
    byOrder.set(row.order_id, [...(byOrder.get(row.order_id) ?? []), { seq: Number(row.seq), index }]);
  }
  let several = 0;
  for (const [orderId, events] of byOrder) {
    if (events.length < 2) continue;
    several += 1;
    const inArrival = [...events].sort((a, b) => a.index - b.index).map((e) => e.seq);
    if (inArrival.some((seq, i) => i > 0 && seq < inArrival[i - 1]!)) violations.push(`order ${orderId}: events arrived in outbox order ${inArrival.join(', ')}`);
  }
  return { inOutbox: rows.length, delivered: rows.filter((r) => acceptedIndex.has(r.event_id)).length, ordersWithSeveralEvents: several };
}

function writeSummary(s: Summary): void {
  const lines = [
    '# Chaos run',
    '',
    `Seed ${s.seed} (replay: \`pnpm chaos --seed=${s.seed} --seconds=${SECONDS}\`), started ${s.startedAt}, ${s.seconds} s in all (${SECONDS} s of load and faults).`,
    'Two HTTP instances and two relays (scheduler role) on a PostgreSQL 15 cluster of the run\'s own; a signature-checking receiver as the data platform.',
    '',
    '| | |',
    '|---|---|',
    `| operations | ${Object.entries(s.operations).map(([k, v]) => `${k} ${v}`).join(', ')}${s.lifecycleRoutes ? '' : ' (no cancel/refund routes on this build)'} |`,
    `| outcomes | ${s.outcomes.acknowledged} acknowledged, ${s.outcomes.refused} refused, ${s.outcomes.pending} still in doubt |`,
    `| faults injected | ${Object.entries(s.faults).map(([k, v]) => `${k} × ${v}`).join(', ') || 'none'} |`,
    `| acknowledged writes checked in the database | ${s.acknowledgedChecked} |`,
    `| unacknowledged writes checked (at most once) | ${s.unacknowledgedChecked} |`,
    `| events | ${s.events.inOutbox} in the outbox, ${s.events.delivered} received (${s.events.deliveries} deliveries), ${s.events.ordersWithSeveralEvents} orders with several events checked for order |`,
    `| violations | ${s.violations.length} |`,
    '',
    '## Answers seen',
    '',
    ...Object.entries(s.answers).map(([k, v]) => `- ${k}: ${v}`),
    '',
    ...(s.violations.length > 0 ? ['## Violations', '', ...s.violations.slice(0, 100).map((v) => `- ${v}`), ''] : []),
  ];
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'chaos-latest.md'), `${lines.join('\n')}\n`);
  writeFileSync(join(resultsDir, 'chaos-latest.json'), `${JSON.stringify(s, null, 2)}\n`);
  log(`operations: ${ledgerLine(s)}`);
  log(`faults: ${Object.entries(s.faults).map(([k, v]) => `${k} × ${v}`).join(', ') || 'none'}`);
  log(`acknowledged writes checked: ${s.acknowledgedChecked}; unacknowledged checked: ${s.unacknowledgedChecked}; events delivered: ${s.events.delivered}/${s.events.inOutbox}`);
  log(`violations: ${s.violations.length}${s.violations.length > 0 ? `: ${s.violations.slice(0, 5).join(' | ')}` : ''}`);
  log(`wrote ${relative(root, join(resultsDir, 'chaos-latest'))}.{md,json}`);
}

const ledgerLine = (s: Summary): string =>
  `${Object.values(s.operations).reduce((a, b) => a + b, 0)} (${Object.entries(s.operations).map(([k, v]) => `${k} ${v}`).join(', ')}): ${s.outcomes.acknowledged} acknowledged, ${s.outcomes.refused} refused, ${s.outcomes.pending} in doubt`;

runMain(main, log);
