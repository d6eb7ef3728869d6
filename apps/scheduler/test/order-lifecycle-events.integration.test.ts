import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayOutboxEvents, type OrderEventEnvelope } from '@storefront/application';
import { checkInvariants, JsonlFileSink, PgOutboxRelayStore, sequenceCommittedEvents, SystemClock } from '@storefront/adapters';
import { freshDatabase, type TestDatabase } from '@storefront/adapters/testing';
import { DataPlatformReceiver } from './support/data-platform-receiver';
import { fastPolicy, SECRET, startRelay } from './support/relay';
import { MAX_BALANCE, TestShop } from './support/shop';
import { waitUntil } from './support/wait';

/*
 * order.cancelled and order.refunded reach the data platform like order.paid: over signed HTTP
 * and into the JSONL file sink, each with the envelope's `sequence` (the outbox's) and the order
 * after the change (plus the refund, for order.refunded).
 */

let database: TestDatabase;
let shop: TestShop;
let sinkDir: string;
let expected: Array<{ type: string; orderId: number; status: string; sequence: number; refundId?: number }>;

beforeAll(async () => {
  database = await freshDatabase({ poolSize: 5 });
  sinkDir = await mkdtemp(join(tmpdir(), 'lifecycle-events-'));
  shop = new TestShop(database);
  const [tea, cake] = await shop.addProducts([1_000, 2_500]);
  await shop.fund([1, 2]);
  const kept = await shop.order(1, [{ productId: tea!, quantity: 2 }]);
  const cancelled = await shop.order(2, [{ productId: cake!, quantity: 1 }]);
  const refunded = await shop.order(1, [{ productId: tea!, quantity: 3 }, { productId: cake!, quantity: 1 }]);
  await shop.cancel(cancelled.orderId);
  const refund = await shop.refund(refunded.orderId, [{ productId: tea!, quantity: 1 }]);
  await sequenceCommittedEvents(database.db);
  const rows = await database.db.selectFrom('outbox').select(['sequence', 'type', 'payload']).orderBy('sequence').execute();
  expected = rows.map((row) => {
    const data = row.payload as { orderId: number; status: string; refund?: { refundId: number } };
    return { type: row.type, orderId: data.orderId, status: data.status, sequence: Number(row.sequence), ...(data.refund ? { refundId: data.refund.refundId } : {}) };
  });
  expect(expected.map((e) => [e.type, e.orderId, e.status])).toEqual([
    ['order.paid', kept.orderId, 'PAID'],
    ['order.paid', cancelled.orderId, 'PAID'],
    ['order.paid', refunded.orderId, 'PAID'],
    ['order.cancelled', cancelled.orderId, 'CANCELLED'],
    ['order.refunded', refunded.orderId, 'PARTIALLY_REFUNDED'],
  ]);
  expect(expected.at(-1)?.refundId).toBe(refund.refundId);
});

afterAll(async () => {
  await database?.close();
  await rm(sinkDir, { recursive: true, force: true });
});

const summary = (events: Array<{ type: string; sequence: number; data: unknown }>) =>
  events
    .map((e) => {
      const data = e.data as { orderId: number; status: string; refund?: { refundId: number } };
      return { type: e.type, orderId: data.orderId, status: data.status, sequence: e.sequence, ...(data.refund ? { refundId: data.refund.refundId } : {}) };
    })
    .sort((a, b) => a.sequence - b.sequence);

describe('order.cancelled and order.refunded events', () => {
  it('are written to the JSONL file sink with their sequence, the order after the change and the refund', async () => {
    const sinkPath = join(sinkDir, 'events.jsonl');
    const relay = new RelayOutboxEvents(new PgOutboxRelayStore(database.db), new JsonlFileSink(sinkPath), new SystemClock(), fastPolicy);
    // The payments first; each cancellation or refund waits for its order's payment to be delivered.
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 3, delivered: 3 });
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 2, delivered: 2 });
    const lines = (await readFile(sinkPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as OrderEventEnvelope);
    expect(summary(lines)).toEqual(expected);
    expect(Object.keys(lines.find((e) => e.type === 'order.refunded')!)).toEqual(['eventId', 'type', 'occurredAt', 'sequence', 'data']);
    expect(await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: 'Asia/Seoul', requireDelivered: true })).toEqual({ ok: true, violations: [] });
    // Back to PENDING, for the HTTP delivery below.
    await database.db.updateTable('outbox').set({ status: 'PENDING', attempts: 0, delivered_at: null }).execute();
  });

  it('are delivered over signed HTTP like order.paid', async () => {
    const receiver = await DataPlatformReceiver.start(SECRET);
    const relay = startRelay(database, receiver.url);
    try {
      await waitUntil('every event is accepted', () => receiver.accepted.size === expected.length);
    } finally {
      await relay.loop.stop();
      await receiver.close();
    }
    expect(receiver.rejected).toEqual([]);
    expect(summary([...receiver.accepted.values()])).toEqual(expected);
    expect(await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: 'Asia/Seoul', requireDelivered: true })).toEqual({ ok: true, violations: [] });
  });
});
