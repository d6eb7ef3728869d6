/*
 * PostgreSQL restarted and stopped under load (issue 10, item 2). A cluster of this test's own
 * on a port 54xx (never the shared server), the HTTP role and a relay as real processes, and
 * shoppers charging and ordering with Idempotency-Keys the whole time. Through a restart and a
 * stop/start the service must answer 503 UNAVAILABLE with Retry-After, never 500; readiness
 * goes 503 and back; both processes recover by themselves (neither is restarted); and at the
 * end every acknowledged charge and order is in the database with its acknowledged values,
 * nothing happened twice, no key is stuck, every event was delivered with a valid signature,
 * and the invariant checker finds nothing.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkInvariants, openDatabase } from '@storefront/adapters';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canCreateClusters, type OwnCluster } from '../lib/cluster';
import { MAX_BALANCE, roleEnv, seededOwnCluster, shoppers, startHttpRole, startRelayRole, TIME_ZONE } from '../lib/fault-run';
import { verifyLedger, type WriteLedger, type Write } from '../lib/ledger';
import { stopAllChildServers, type ChildServer } from '../lib/processes';
import { startEventReceiver, type EventReceiver } from '../lib/receiver';
import type { Seeded } from '../lib/seed';
import { freePort } from '../lib/util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const logDir = join(root, 'bench', '.out', 'outage');
const USERS = 50;
const PRODUCTS = 20;
const SHOPPERS = 12;

// CI sets STOREFRONT_REQUIRE_OWN_CLUSTER so that a machine without pg_createcluster fails here
// rather than skipping; a developer's laptop without it skips.
const clustersAvailable = (await canCreateClusters()) || process.env.STOREFRONT_REQUIRE_OWN_CLUSTER === '1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

async function readiness(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

describe.runIf(clustersAvailable)('PostgreSQL restarted and stopped under load', () => {
  let cluster: OwnCluster | undefined;
  let receiver: EventReceiver | undefined;
  let http: ChildServer;
  let relay: ChildServer;
  let baseUrl: string;
  let databaseUrl: string;
  let seeded: Seeded;
  let ledger: WriteLedger;
  const platformSecret = randomBytes(16).toString('hex');

  beforeAll(async () => {
    ({ cluster, databaseUrl, seeded } = await seededOwnCluster('outage', {
      users: USERS,
      walletBalance: 1_000_000,
      catalogue: PRODUCTS,
      catalogueStock: 1_000_000,
      hotStock: 1_000_000,
      rushQuantity: 10,
      mixedCouponQuantity: 10,
    }));
    receiver = await startEventReceiver({ secret: platformSecret });
    const shopping = await shoppers(USERS, 3600);
    ledger = shopping.ledger;
    const [port, metricsPort] = [await freePort(), await freePort()];
    baseUrl = `http://127.0.0.1:${port}`;
    const env = roleEnv({ databaseUrl, jwtSecret: shopping.jwtSecret, idempotencyLeaseMs: 2_000 });
    [http, relay] = await Promise.all([
      startHttpRole({ name: 'http', env, port, logFile: join(logDir, 'http.log'), readyPath: '/health/ready' }),
      startRelayRole({ name: 'relay', env, metricsPort, platform: { url: receiver.url, secret: platformSecret }, logFile: join(logDir, 'relay.log') }),
    ]);
  }, 150_000);

  afterAll(async () => {
    // Every child this file started, including one whose partner failed to start (then it is in
    // no variable here): none may outlive the test.
    await stopAllChildServers();
    await receiver?.close();
    await cluster?.drop();
  }, 60_000);

  it('answers 503 with Retry-After, never 500, recovers by itself and loses nothing', async () => {
    let loadRunning = true;
    let charges = 0;
    // Shoppers keep writing; a write not yet answered for sure is retried (same key) later.
    const shopper = async (n: number): Promise<void> => {
      for (let i = 0; loadRunning; i++) {
        const userId = 1 + ((n * 7 + i) % USERS);
        let write: Write;
        if (i % 3 === 0) {
          charges += 1;
          // Each charge of a user has its own amount, so the ledger tells them apart.
          write = ledger.add({ kind: 'charge', userId, amount: 1_000 + charges });
        } else {
          const productId = 1 + ((n + i) % PRODUCTS);
          const items = [{ productId, quantity: 1 + (i % 3) }, ...(i % 2 === 0 ? [{ productId: seeded.hotProductId, quantity: 1 }] : [])];
          write = ledger.add({ kind: 'order', userId, items });
        }
        await ledger.attempt(baseUrl, write);
        if (write.outcome === 'pending') await sleep(50);
      }
    };
    const load = Promise.all(Array.from({ length: SHOPPERS }, (_, n) => shopper(n)));
    const acknowledgedSoFar = () => ledger.acknowledged().length;
    let recoveredInMs: number | undefined;

    try {
      await waitFor('the first writes are acknowledged', async () => acknowledgedSoFar() >= 30, 30_000);

      // 1. A restart under load: every connection of both processes drops.
      const beforeRestart = acknowledgedSoFar();
      await cluster!.restart('fast');
      await waitFor('writes are acknowledged again after the restart', async () => acknowledgedSoFar() >= beforeRestart + 30, 30_000);

      // 2. Stopped (a crash: no shutdown checkpoint), then started again.
      await cluster!.stop('immediate');
      await waitFor('readiness says 503 while PostgreSQL is down', async () => (await readiness(baseUrl)) === 503, 15_000);
      const whileDown = ledger.writes.length;
      await sleep(2_000);
      // The shoppers went on the whole time, answered 503, not 500 (the ledger records any 500).
      expect(ledger.writes.length).toBeGreaterThan(whileDown);
      expect(ledger.answers.get('order 503 UNAVAILABLE') ?? 0).toBeGreaterThan(0);
      const beforeStart = acknowledgedSoFar();
      await cluster!.start();
      recoveredInMs = await waitFor('readiness says 200 again', async () => (await readiness(baseUrl)) === 200, 30_000);
      await waitFor('writes are acknowledged again after the start', async () => acknowledgedSoFar() >= beforeStart + 30, 30_000);
      expect(recoveredInMs).toBeLessThan(30_000);
    } finally {
      loadRunning = false;
      await load;
    }

    // Soft: one run reports every check that failed, not only the first.
    // Every write still in doubt is retried with its key until answered for sure.
    await ledger.settle(() => [baseUrl], Date.now() + 30_000);
    expect.soft(ledger.pending().map((w) => `${w.intent.kind} #${w.seq}: ${w.lastAnswer ?? 'never answered'}`)).toEqual([]);
    expect.soft(http.exited()).toBe(false);
    expect.soft(relay.exited()).toBe(false);
    expect.soft(ledger.violations).toEqual([]);

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const verdict = await verifyLedger(ledger, client);
      expect.soft(verdict.violations).toEqual([]);
      // The run's figures, for whoever reads the log of a CI run.
      console.info(
        `database outage: ${ledger.writes.length} writes, ${verdict.acknowledgedChecked} acknowledged and checked, ${verdict.unacknowledgedChecked} refused or in doubt checked; readiness back ${recoveredInMs ?? "?"} ms after PostgreSQL accepted connections again; answers ${JSON.stringify(Object.fromEntries(ledger.answers))}`,
      );
      expect.soft(verdict.acknowledgedChecked).toBe(ledger.acknowledged().length);

      const { rows: stuck } = await client.query<{ n: number }>(`select count(*)::int as n from idempotency_keys where status <> 'COMPLETED'`);
      expect.soft(stuck[0]?.n).toBe(0);

      // Every order's event reaches the platform, signed; the relay needed no restart for it.
      const orderCount = async () => (await client.query<{ n: number }>('select count(*)::int as n from orders')).rows[0]!.n;
      const orders = await orderCount();
      await waitFor('the relay has delivered every event', async () => receiver!.distinctEvents() >= orders, 60_000);
      const { rows: outbox } = await client.query<{ event_id: string; status: string }>('select event_id::text, status from outbox');
      const delivered = new Set(receiver!.accepted().map((e) => e.eventId));
      expect.soft(outbox.filter((e) => !delivered.has(e.event_id))).toEqual([]);
      expect.soft(receiver!.rejected()).toEqual([]);
      await waitFor('the outbox marks them delivered', async () => {
        const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from outbox where status <> 'DELIVERED'`);
        return rows[0]!.n === 0;
      }, 30_000);
    } finally {
      await client.end();
    }

    const database = await openDatabase({ databaseUrl, poolSize: 1 });
    try {
      const report = await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE, requireDelivered: true });
      expect.soft(report.violations).toEqual([]);
    } finally {
      await database.close();
    }
  }, 240_000);
});
