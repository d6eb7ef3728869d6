import { describe, expect, it } from 'vitest';
import type { OrderView } from '@storefront/application';
import { KyselyUnitOfWork } from '@storefront/adapters';
import { recordingLogger } from './support/recording-logger';
import { relayWorld, SECRET } from './support/relay';
import { waitUntil } from './support/wait';

/*
 * What the data team relies on, against a real PostgreSQL and a receiver on loopback that checks
 * every delivery with the `standardwebhooks` library: per-order order with several relays, no
 * retry storm while the platform is down, and a key rotation that never rejects a genuine event.
 */

const USERS = Array.from({ length: 10 }, (_, i) => i + 1);
let productId: number;
const world = relayWorld(async (shop) => {
  [productId] = (await shop.addProducts([1_000], 1_000_000)) as [number];
  await shop.fund(USERS, 9_000_000);
});

async function placeOrders(count: number): Promise<OrderView[]> {
  const orders: OrderView[] = [];
  for (let start = 0; start < count; start += 20) {
    const batch = Array.from({ length: Math.min(20, count - start) }, (_, i) => start + i);
    orders.push(...(await Promise.all(batch.map((n) => world.shop.order(USERS[n % USERS.length]!, [{ productId, quantity: 1 }])))));
  }
  return orders;
}

/** A later event of an order, written as the cancel use case writes it (in its own transaction). */
async function cancelled(order: OrderView): Promise<void> {
  await new KyselyUnitOfWork(world.database.db).run((tx) => tx.outbox.append({ type: 'order.cancelled', occurredAt: new Date(), data: { ...order, status: 'PAID' } }));
}

async function delivered(): Promise<number> {
  const row = await world.database.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'DELIVERED')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('per-order ordering', () => {
  it('holds an order’s cancellation while its payment keeps failing, with two relays, and lets other orders flow', async () => {
    const orders = await placeOrders(30);
    const held = orders[0]!;
    for (const order of orders.slice(0, 10)) await cancelled(order);
    let refusals = 0;
    world.receiver.refuseWhen = (event) => {
      if (event.data.orderId !== held.orderId || event.type !== 'order.paid' || refusals >= 5) return false;
      refusals += 1;
      return true;
    };
    world.relay({ policy: { batchSize: 5 } });
    world.relay({ policy: { batchSize: 5 } });

    // While the held payment is being refused, everything else goes out.
    await waitUntil('the other orders’ events are delivered', () => world.receiver.accepted.size >= 39, 30_000);
    await waitUntil('the held order’s events are delivered', async () => (await delivered()) === 40, 30_000);
    expect(refusals).toBe(5);
    expect(world.receiver.rejected).toEqual([]);

    for (const order of orders) {
      const events = world.receiver.acceptedInOrder.filter((e) => e.data.orderId === order.orderId).map((e) => e.type);
      expect(events).toEqual(orders.indexOf(order) < 10 ? ['order.paid', 'order.cancelled'] : ['order.paid']);
    }
    // The held order's cancellation was never even sent before its payment was accepted.
    const heldRequests = world.receiver.acceptedInOrder.filter((e) => e.data.orderId === held.orderId);
    expect(heldRequests.map((e) => e.type)).toEqual(['order.paid', 'order.cancelled']);
    // Other orders did not wait for it: some were delivered while it was still being refused.
    const heldPaidAt = world.receiver.acceptedInOrder.findIndex((e) => e.data.orderId === held.orderId);
    expect(heldPaidAt).toBeGreaterThan(10);
    // Sequences of one order rise with its events.
    for (const order of orders.slice(0, 10)) {
      const [paid, cancel] = world.receiver.acceptedInOrder.filter((e) => e.data.orderId === order.orderId);
      expect(cancel!.sequence).toBeGreaterThan(paid!.sequence);
    }
  });
});

describe('no retry storm', () => {
  it('sends one probe at a time while the platform is down with 500 events due, then delivers all 500 at full speed', async () => {
    world.receiver.mode = { kind: 'refuse', status: 503 };
    await placeOrders(500);
    const logger = recordingLogger();
    world.relay({
      policy: { batchSize: 50, failureThreshold: 10, probeIntervalMinMs: 50, probeIntervalMaxMs: 200, backoffBaseMs: 10, backoffCapMs: 100 },
      logger,
    });
    const downSince = Date.now();
    await waitUntil('the relay has opened its circuit', () => logger.entries.some((e) => /one probe at a time/.test(e.message)), 10_000);
    // Down for three seconds more.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const whileDown = world.receiver.requests;
    const downForMs = Date.now() - downSince;
    // One batch before the circuit opened, then probes no closer than 50 ms apart.
    expect(whileDown).toBeLessThanOrEqual(50 + Math.ceil(downForMs / 50) + 1);
    expect(whileDown).toBeLessThan(150);
    expect(await delivered()).toBe(0);
    expect(logger.entries.some((e) => e.level === 'warn' && (e.fields.reasons as Record<string, number> | undefined)?.['HTTP 503: platform unavailable'] !== undefined)).toBe(true);

    world.receiver.mode = { kind: 'accept' };
    const upAt = Date.now();
    await waitUntil('all 500 are delivered', async () => (await delivered()) === 500, 30_000);
    const drainMs = Date.now() - upAt;
    expect(world.receiver.accepted.size).toBe(500);
    expect(world.receiver.rejected).toEqual([]);
    // The first success closes the circuit: 500 events go in a few full batches, not probe by probe.
    expect(drainMs).toBeLessThan(10_000);
    expect(world.receiver.requests - whileDown).toBeLessThan(500 + 60);
    console.info(`no retry storm: ${whileDown} requests in ${downForMs} ms down with 500 due; then 500 delivered in ${drainMs} ms`);
  });
});

describe('secret rotation', () => {
  it('old only → old and new → new only: the world.receiver never rejects a genuine event', async () => {
    const oldSecret = SECRET;
    const newSecret = `whsec_${Buffer.from('the-next-data-platform-secret').toString('base64')}`;
    let signing = oldSecret;
    world.relay({ secret: () => signing });

    const phase = async (count: number): Promise<void> => {
      const before = world.receiver.accepted.size;
      await placeOrders(count);
      await waitUntil('the phase’s events are delivered', () => world.receiver.accepted.size === before + count, 20_000);
    };
    world.receiver.secrets = [oldSecret];
    await phase(10);
    // The service signs with both (newest first) while the receiver still knows only the old one…
    signing = `${newSecret},${oldSecret}`;
    await phase(10);
    // …the receiver moves to the new one (keeping the old for deliveries in flight)…
    world.receiver.secrets = [newSecret, oldSecret];
    await phase(10);
    world.receiver.secrets = [newSecret];
    await phase(10);
    // …and the service drops the old one.
    signing = newSecret;
    await phase(10);

    expect(world.receiver.rejected).toEqual([]);
    expect(world.receiver.accepted.size).toBe(50);
    expect(world.receiver.requests).toBe(50);
  });
});
