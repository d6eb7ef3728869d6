import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RetryOutboxEvent } from '@storefront/application';
import { checkInvariants, loadConfig, PgOutboxQueries, PgOutboxRelayStore } from '@storefront/adapters';
import { DomainError, ErrorCode } from '@storefront/domain';
import { startSchedulerRole } from '../src/scheduler.composition';
import { relayWorld, SECRET } from './support/relay';
import { MAX_BALANCE } from './support/shop';
import { recordingLogger } from './support/recording-logger';
import { silentLogger, waitUntil } from './support/wait';

/*
 * Fault tests of the outbox relay against a real PostgreSQL and a real HTTP receiver on
 * loopback that verifies every signature. Each test starts from an empty outbox.
 */

const USERS = Array.from({ length: 10 }, (_, i) => i + 1);
let productIds: number[];
const world = relayWorld(async (shop) => {
  productIds = await shop.addProducts([1_000, 2_500, 4_000], 100_000);
  await shop.fund(USERS, 5_000_000);
});

/** Places `count` orders, a few at a time, spread over users and products; answers the order ids. */
async function placeOrders(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += 10) {
    const batch = Array.from({ length: Math.min(10, count - start) }, (_, i) => start + i);
    const orders = await Promise.all(
      batch.map((n) => world.shop.order(USERS[n % USERS.length]!, [{ productId: productIds[n % productIds.length]!, quantity: 1 + (n % 3) }])),
    );
    ids.push(...orders.map((order) => order.orderId));
  }
  return ids;
}

async function outboxCounts(): Promise<Record<string, number>> {
  const rows = await world.database.db.selectFrom('outbox').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

async function allDelivered(expected: number): Promise<boolean> {
  const counts = await outboxCounts();
  return (counts.DELIVERED ?? 0) === expected && Object.keys(counts).length === 1;
}

function acceptedOrderIds(): number[] {
  return [...world.receiver.accepted.values()].map((event) => event.data.orderId).sort((a, b) => a - b);
}

describe('the data platform down while shoppers order', () => {
  it('takes every order at once, and delivers every event, signed, after the platform recovers', async () => {
    world.relay({ timeoutMs: 150 });

    world.receiver.mode = { kind: 'refuse', status: 503 };
    const refusedPhase = await placeOrders(30);
    await waitUntil('the relay has met the 503s', () => world.receiver.requests >= 30);

    world.receiver.mode = { kind: 'hang' };
    const hangingPhase = await placeOrders(30);
    const requestsBefore = world.receiver.requests;
    await waitUntil('the relay has timed out on the hanging platform a few times', () => world.receiver.requests >= requestsBefore + 20);

    // Every order went through while the platform refused or hung; nothing was delivered.
    const orderIds = [...refusedPhase, ...hangingPhase];
    expect(orderIds).toHaveLength(60);
    expect(world.receiver.accepted.size).toBe(0);
    expect((await outboxCounts()).PENDING).toBe(60);

    world.receiver.mode = { kind: 'accept' };
    await waitUntil('every event is delivered', () => allDelivered(60));

    expect(world.receiver.rejected).toEqual([]);
    expect(world.receiver.accepted.size).toBe(60);
    expect(acceptedOrderIds()).toEqual([...orderIds].sort((a, b) => a - b));
    const report = await checkInvariants(world.database.db, { maxBalance: MAX_BALANCE, timeZone: 'Asia/Seoul', requireDelivered: true });
    expect(report.violations).toEqual([]);
  });
});

describe('several relays side by side', () => {
  it('deliver every event between them, none lost and none claimed twice', async () => {
    const orderIds = await placeOrders(80);
    world.receiver.mode = { kind: 'slow', delayMs: 30 };

    const first = world.relay({ policy: { batchSize: 5 } });
    const second = world.relay({ policy: { batchSize: 5 } });
    await waitUntil('every event is delivered', () => allDelivered(80));

    expect(world.receiver.rejected).toEqual([]);
    expect(acceptedOrderIds()).toEqual([...orderIds].sort((a, b) => a - b));
    // Leases are far longer than a delivery here, so no event was handed to both relays.
    expect(world.receiver.duplicates).toBe(0);
    expect(first.delivered() + second.delivered()).toBe(80);
    expect(first.delivered()).toBeGreaterThan(0);
    expect(second.delivered()).toBeGreaterThan(0);
  });
});

describe('a relay killed mid-batch', () => {
  it('loses nothing: its claimed events are delivered by another relay once the lease has passed', async () => {
    const orderIds = await placeOrders(30);
    world.receiver.mode = { kind: 'slow', delayMs: 60_000 };
    const leaseMs = 1_500;

    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/relay-child.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env: { ...process.env, DATABASE_URL: world.database.url, PLATFORM_URL: world.receiver.url, LEASE_MS: String(leaseMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

    try {
      await waitUntil('the child relay has a batch on the wire', () => output.includes('claimed 10') && world.receiver.requests >= 10, 30_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; child output:\n${output}`, { cause: error });
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const inFlight = await world.database.db.selectFrom('outbox').select(['event_id', 'attempts']).where('claim_token', 'is not', null).execute();
    expect(inFlight).toHaveLength(10);
    expect(world.receiver.accepted.size).toBe(0);

    world.receiver.mode = { kind: 'accept' };
    world.relay();
    await waitUntil('every event is delivered', () => allDelivered(30));

    expect(world.receiver.rejected).toEqual([]);
    expect(acceptedOrderIds()).toEqual([...orderIds].sort((a, b) => a - b));
    // The killed batch was claimed twice: once by the dead relay, once after its lease.
    const redelivered = await world.database.db
      .selectFrom('outbox')
      .select('attempts')
      .where('event_id', 'in', inFlight.map((row) => row.event_id))
      .execute();
    expect(redelivered.map((row) => row.attempts)).toEqual(Array(10).fill(2));
  });
});

describe('parking after too many failures', () => {
  it('parks an event after OUTBOX_MAX_ATTEMPTS, lists it as FAILED, and delivers it once re-driven', async () => {
    world.receiver.mode = { kind: 'refuse', status: 500 };
    const orderIds = await placeOrders(5);
    world.relay({ policy: { maxAttempts: 3 } });

    const queries = new PgOutboxQueries(world.database.db);
    await waitUntil('all five are parked', async () => (await queries.events('FAILED', { limit: 20, after: null })).items.length === 5);
    const failed = await queries.events('FAILED', { limit: 20, after: null });
    expect(failed.items.every((event) => event.attempts === 3 && event.lastError === 'HTTP 500: platform unavailable')).toBe(true);
    expect(world.receiver.requests).toBe(15);

    world.receiver.mode = { kind: 'accept' };
    const retry = new RetryOutboxEvent(new PgOutboxRelayStore(world.database.db));
    for (const event of failed.items) {
      await expect(retry.execute({ eventId: event.eventId })).resolves.toEqual({ eventId: event.eventId, status: 'PENDING' });
    }
    await waitUntil('the re-driven events are delivered', () => allDelivered(5));
    expect(acceptedOrderIds()).toEqual([...orderIds].sort((a, b) => a - b));

    const delivered = failed.items[0]!.eventId;
    await expect(retry.execute({ eventId: delivered })).rejects.toMatchObject({ code: ErrorCode.OutboxEventNotFailed });
    await expect(retry.execute({ eventId: 'not-an-event' })).rejects.toBeInstanceOf(DomainError);
    await expect(retry.execute({ eventId: 'not-an-event' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});

describe('the scheduler role', () => {
  it('sends a new order to the data platform within about a second, and stops cleanly', async () => {
    const config = loadConfig(
      { DATA_PLATFORM_URL: world.receiver.url, DATA_PLATFORM_SECRET: SECRET, DATA_PLATFORM_TIMEOUT_MS: '1000', TZ_BUSINESS: 'Asia/Seoul' },
      { dataDir: '/nonexistent' },
    );
    const role = startSchedulerRole({ config, database: world.database, logger: silentLogger, catchUpOnStart: false });
    try {
      const [orderId] = await placeOrders(1);
      const placedAt = Date.now();
      await waitUntil('the event is delivered', () => world.receiver.accepted.size === 1, 5_000, 10);
      // A 300 ms poll plus the delivery: "within about a second", with room for a busy machine.
      expect(Date.now() - placedAt).toBeLessThan(2_000);
      expect(acceptedOrderIds()).toEqual([orderId]);
    } finally {
      await role.close();
    }
    await waitUntil('the outbox row is marked delivered', () => allDelivered(1), 2_000);
  });

  it('purges delivered events past EVENT_RETENTION_DAYS and expired idempotency keys on start, and nothing else', async () => {
    const [kept, expired, pending] = await placeOrders(3);
    await world.database.db
      .updateTable('outbox')
      .set({ status: 'DELIVERED', delivered_at: new Date(Date.now() - 31 * 86_400_000) })
      .where(sql<boolean>`(payload ->> 'orderId')::bigint = ${expired}`)
      .execute();
    await world.database.db
      .updateTable('outbox')
      .set({ status: 'DELIVERED', delivered_at: new Date(Date.now() - 29 * 86_400_000) })
      .where(sql<boolean>`(payload ->> 'orderId')::bigint = ${kept}`)
      .execute();
    await world.database.db
      .insertInto('idempotency_keys')
      .values([
        { scope: 'user:1', key: 'old', fingerprint: 'f', status: 'COMPLETED', created_at: new Date(Date.now() - 25 * 3_600_000) },
        { scope: 'user:1', key: 'new', fingerprint: 'f', status: 'COMPLETED', created_at: new Date() },
      ])
      .execute();
    world.receiver.mode = { kind: 'hang' };
    const config = loadConfig({ EVENT_RETENTION_DAYS: '30', EVENT_SINK_PATH: '/nonexistent/events.jsonl' }, { dataDir: '/nonexistent' });
    const logger = recordingLogger();
    const role = startSchedulerRole({ config, database: world.database, logger, catchUpOnStart: false, pollIntervalMs: 60_000 });
    try {
      await waitUntil('the expired event is purged', async () => {
        const rows = await world.database.db.selectFrom('outbox').select(sql<number>`(payload ->> 'orderId')::bigint`.as('orderId')).execute();
        return rows.length === 2;
      });
      const left = await world.database.db.selectFrom('outbox').select(sql<number>`(payload ->> 'orderId')::bigint`.as('orderId')).orderBy('seq').execute();
      expect(left.map((r) => Number(r.orderId)).sort((a, b) => a - b)).toEqual([kept, pending].sort((a, b) => a! - b!));
      const keys = await world.database.db.selectFrom('idempotency_keys').select('key').execute();
      expect(keys.map((k) => k.key)).toEqual(['new']);
    } finally {
      await role.close();
      await world.database.db.deleteFrom('idempotency_keys').execute();
    }
  });
});
