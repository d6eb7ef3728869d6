import { ErrorCode } from '@storefront/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderEventEnvelopeSchema, type OrderEventType } from '../../events/order-event';
import { createInMemoryStorefront, type InMemoryStorefront } from '../../in-memory';
import type { OrderView } from '../../ports';
import { allPages, anOrder, aProduct, FakeDataPlatform, given } from '../../testing';
import { PurgeExpiredRecords } from '../retention/purge-expired-records';
import { GetOutboxEvent } from './get-outbox-event';
import { ListOutboxEvents } from './list-outbox-events';
import { ReadEventFeed } from './read-event-feed';
import { RelayOutboxEvents, type RelayPolicy } from './relay-outbox-events';
import { RetryOutboxEvent } from './retry-outbox-event';
import { attemptsSpanning, backoffMs, DEFAULT_RETRY_SCHEDULE, DEFAULT_RETRY_SPAN_MS } from './retry-schedule';

const POLICY: RelayPolicy = {
  batchSize: 10,
  leaseMs: 30_000,
  maxAttempts: 3,
  backoffBaseMs: 1_000,
  backoffCapMs: 60_000,
  failureThreshold: 1_000,
  probeIntervalMinMs: 1_000,
  probeIntervalMaxMs: 8_000,
  retryAfterCapMs: 3_600_000,
};

async function setUp(orders = 1, options: { policy?: Partial<RelayPolicy>; random?: () => number } = {}) {
  const store = createInMemoryStorefront();
  const g = given(store);
  const product = await g.product(aProduct().withPrice(1_000));
  await g.fundedUser(1, 1_000_000);
  const placed: OrderView[] = [];
  for (let i = 0; i < orders; i += 1) placed.push(await g.paidOrder(anOrder().by(1).withItem(product.id, 1)));
  const platform = new FakeDataPlatform();
  const policy = { ...POLICY, ...options.policy };
  return {
    store,
    placed,
    platform,
    policy,
    relay: new RelayOutboxEvents(store.outboxRelayStore, platform, store.clock, policy, options.random ?? (() => 0.5)),
    list: new ListOutboxEvents(store.outboxQueries),
    retry: new RetryOutboxEvent(store.outboxRelayStore),
    detail: new GetOutboxEvent(store.outboxQueries),
    feed: new ReadEventFeed(store.outboxQueries),
    eventIds: () => store.state.snapshot().outbox.map((e) => e.eventId),
  };
}

/** A later event of an order, written as a use case writes one (cancel and refund are other use cases). */
async function appendEvent(store: InMemoryStorefront, type: Exclude<OrderEventType, 'order.refunded'>, order: OrderView): Promise<void> {
  await store.transactions.run((tx) => tx.outbox.append({ type, occurredAt: store.clock.now(), data: order }));
}

const quietPass = { claimed: 0, delivered: 0, retried: 0, parked: 0, failures: [], circuit: 'CLOSED', circuitChange: null };

describe('RelayOutboxEvents', () => {
  it('delivers each pending event as the contract envelope and marks it DELIVERED', async () => {
    const { store, placed, platform, relay, eventIds } = await setUp(2);
    await expect(relay.execute()).resolves.toEqual({ ...quietPass, claimed: 2, delivered: 2 });
    expect(platform.received).toEqual(
      placed.map((order, i) => ({
        eventId: eventIds()[i],
        type: 'order.paid',
        occurredAt: order.createdAt.toISOString(),
        sequence: i + 1,
        data: JSON.parse(JSON.stringify(order)) as unknown,
      })),
    );
    for (const envelope of platform.received) expect(orderEventEnvelopeSchema.safeParse(envelope).success).toBe(true);
    expect(store.state.snapshot().outbox.map((e) => [e.status, e.attempts, e.deliveredAt, e.claimToken, e.leaseUntil])).toEqual([
      ['DELIVERED', 1, store.clock.now(), null, null],
      ['DELIVERED', 1, store.clock.now(), null, null],
    ]);
    await expect(relay.execute()).resolves.toEqual(quietPass);
  });

  it('claims at most batchSize events, oldest first', async () => {
    const { platform, relay, eventIds } = await setUp(5, { policy: { batchSize: 2 } });
    await relay.execute();
    expect(platform.received.map((e) => e.eventId)).toEqual(eventIds().slice(0, 2));
    await relay.execute();
    await relay.execute();
    expect(platform.received.map((e) => e.eventId)).toEqual(eventIds());
  });

  it('on failure, retries after exponential backoff with equal jitter, keeping the reason', async () => {
    const { store, platform, relay } = await setUp(1, { random: () => 0.5 });
    const start = store.clock.now().getTime();
    platform.refuseNext('HTTP 503', 1, { httpStatus: 503 }).throwNext('socket hang up');

    await expect(relay.execute()).resolves.toMatchObject({
      claimed: 1,
      retried: 1,
      failures: [{ attempt: 1, reason: 'HTTP 503', httpStatus: 503, parked: false }],
    });
    // attempt 1: half of min(60 s, 1 s × 2^0) plus 0.5 of the other half = 750 ms
    expect(store.state.snapshot().outbox[0]).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: new Date(start + 750) });
    store.clock.advanceBy(749);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });

    store.clock.advanceBy(1);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, retried: 1 });
    // attempt 2: 0.75 × 2,000, and a thrown error counts as a failed delivery
    expect(store.state.snapshot().outbox[0]).toMatchObject({ attempts: 2, lastError: 'socket hang up', nextAttemptAt: new Date(start + 750 + 1_500) });

    store.clock.advanceBy(1_500);
    await expect(relay.execute()).resolves.toMatchObject({ delivered: 1 });
    expect(store.state.snapshot().outbox[0]).toMatchObject({ status: 'DELIVERED', attempts: 3 });
  });

  it('waits as long as Retry-After asks when that is longer than the backoff', async () => {
    const { store, platform, relay } = await setUp(1, { random: () => 0 });
    const start = store.clock.now().getTime();
    platform.refuseNext('HTTP 429', 1, { httpStatus: 429, retryAfterMs: 120_000 });
    await relay.execute();
    expect(store.state.snapshot().outbox[0]).toMatchObject({ attempts: 1, nextAttemptAt: new Date(start + 120_000) });
  });

  it('records every attempt in the delivery log, shown with the next attempt by GetOutboxEvent', async () => {
    const { store, platform, relay, detail, eventIds } = await setUp(1, { random: () => 0 });
    platform.refuseNext('HTTP 502: bad gateway', 1, { httpStatus: 502 });
    await relay.execute();
    const [eventId] = eventIds();
    const pending = await detail.execute({ eventId: eventId! });
    expect(pending).toMatchObject({
      envelope: { eventId, type: 'order.paid', sequence: 1 },
      status: 'PENDING',
      attempts: [{ at: store.clock.now(), outcome: 'FAILED', httpStatus: 502, durationMs: 0, error: 'HTTP 502: bad gateway' }],
      nextAttemptAt: new Date(store.clock.now().getTime() + 500),
      lastError: 'HTTP 502: bad gateway',
    });
    store.clock.advanceBy(500);
    await relay.execute();
    const delivered = await detail.execute({ eventId: eventId! });
    expect(delivered.attempts.map((a) => [a.outcome, a.httpStatus, a.error])).toEqual([
      ['FAILED', 502, 'HTTP 502: bad gateway'],
      ['DELIVERED', 200, null],
    ]);
    expect(delivered).toMatchObject({ status: 'DELIVERED', nextAttemptAt: null, deliveredAt: store.clock.now() });
    await expect(detail.execute({ eventId: 'no-such-event' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('parks the event as FAILED after maxAttempts failed deliveries, visible to operators', async () => {
    const { store, platform, relay, list } = await setUp(1, { random: () => 0 });
    platform.down('HTTP 500');
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) {
      outcomes.push(await relay.execute());
      store.clock.advanceBy(60_000);
    }
    expect(outcomes.map((o) => [o.retried, o.parked])).toEqual([[1, 0], [1, 0], [0, 1]]);
    expect(platform.received).toHaveLength(3);
    const failed = await list.execute({ status: 'FAILED', page: { limit: 10, after: null } });
    expect(failed.items).toEqual([
      expect.objectContaining({ status: 'FAILED', attempts: 3, lastError: 'HTTP 500', nextAttemptAt: null, deliveredAt: null }),
    ]);
    store.clock.advanceBy(86_400_000);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });
  });

  it('a dead relay’s claim runs out after the lease, and its late outcome is only logged', async () => {
    const { store, platform, relay } = await setUp(1);
    const [abandoned] = await store.outboxRelayStore.claimDue(10, POLICY.leaseMs);
    expect(abandoned?.attempt).toBe(1);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });

    store.clock.advanceBy(POLICY.leaseMs);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 }); // the lease ends strictly after
    store.clock.advanceBy(1);
    platform.refuseNext('HTTP 502');
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, retried: 1 });
    expect(platform.received[0]?.eventId).toBe(abandoned?.envelope.eventId);

    const before = store.state.snapshot().outbox[0]!;
    const late = { at: store.clock.now(), outcome: 'DELIVERED' as const, httpStatus: 200, durationMs: 5, error: null };
    await store.outboxRelayStore.settle([{ event: abandoned!, attempt: late, settlement: { kind: 'delivered' } }]);
    await store.outboxRelayStore.settle([{ event: abandoned!, attempt: late, settlement: { kind: 'park' } }]);
    const after = store.state.snapshot().outbox[0]!;
    expect({ ...after, attemptLog: [] }).toEqual({ ...before, attemptLog: [] });
    expect(after).toMatchObject({ status: 'PENDING', attempts: 2, lastError: 'HTTP 502' });
    expect(after.attemptLog).toHaveLength(3);
  });

  it('several relays at once deliver each event once', async () => {
    const { platform, store, relay } = await setUp(20, { policy: { batchSize: 3 } });
    const others = Array.from({ length: 4 }, () => new RelayOutboxEvents(store.outboxRelayStore, platform, store.clock, { ...POLICY, batchSize: 3 }));
    for (let round = 0; round < 3; round += 1) await Promise.all([relay.execute(), ...others.map((r) => r.execute())]);
    expect([...platform.receivedCounts().values()]).toEqual(Array.from({ length: 20 }, () => 1));
    expect(store.state.snapshot().outbox.every((e) => e.status === 'DELIVERED')).toBe(true);
  });

  describe('per-order ordering', () => {
    it('holds a later event of an order while an earlier one is pending or parked; other orders flow', async () => {
      const { store, platform, relay, retry, placed } = await setUp(3, { random: () => 0, policy: { maxAttempts: 2 } });
      const [first, second, third] = placed as [OrderView, OrderView, OrderView];
      await appendEvent(store, 'order.cancelled', first);
      await appendEvent(store, 'order.cancelled', second);
      // The first order's payment fails twice and is parked; its cancellation must wait.
      platform.refuseMatching((e) => e.data.orderId === first.orderId && e.type === 'order.paid', 2);
      await relay.execute();
      store.clock.advanceBy(10_000);
      await relay.execute();
      store.clock.advanceBy(10_000);
      await relay.execute();
      const seen = platform.received.map((e) => `${e.data.orderId} ${e.type}`);
      expect(seen).toEqual([
        `${first.orderId} order.paid`, // refused
        `${second.orderId} order.paid`,
        `${third.orderId} order.paid`,
        `${first.orderId} order.paid`, // refused again: parked
        `${second.orderId} order.cancelled`,
      ]);
      expect(platform.received).toHaveLength(5);
      const parked = store.state.snapshot().outbox.find((e) => e.status === 'FAILED')!;
      await retry.execute({ eventId: parked.eventId });
      await relay.execute();
      await relay.execute();
      expect(platform.received.slice(5).map((e) => `${e.data.orderId} ${e.type}`)).toEqual([
        `${first.orderId} order.paid`,
        `${first.orderId} order.cancelled`,
      ]);
    });
  });

  describe('circuit breaker', () => {
    it('while the platform keeps failing sends one probe at a time, and resumes a full batch at the first success', async () => {
      const { store, platform, relay } = await setUp(40, { policy: { batchSize: 10, failureThreshold: 5, maxAttempts: 100 } });
      platform.down('HTTP 503');
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 10, retried: 10, circuit: 'OPEN', circuitChange: 'opened' });
      // Open: nothing is claimed, and the due events keep their attempts, until the probe time.
      for (let i = 0; i < 5; i += 1) await expect(relay.execute()).resolves.toMatchObject({ claimed: 0, circuit: 'OPEN' });
      const probes: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        store.clock.advanceBy(10_000);
        probes.push((await relay.execute()).claimed);
        await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });
      }
      expect(probes).toEqual([1, 1, 1, 1]);
      expect(platform.received).toHaveLength(14);
      // The probes took events already due again: the other 30 were never tried.
      expect(store.state.snapshot().outbox.filter((e) => e.attempts === 0)).toHaveLength(30);

      platform.up();
      store.clock.advanceBy(10_000);
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, delivered: 1, circuit: 'CLOSED', circuitChange: 'closed' });
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 10, delivered: 10 });
    });

    it('doubles the wait between failed probes up to the maximum, and honours Retry-After', async () => {
      const { store, platform, relay } = await setUp(30, { policy: { failureThreshold: 1, probeIntervalMinMs: 1_000, probeIntervalMaxMs: 4_000, maxAttempts: 100 } });
      platform.down('HTTP 503');
      await relay.execute();
      const waits: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        let waited = 0;
        while ((await relay.execute()).claimed === 0) {
          store.clock.advanceBy(250);
          waited += 250;
        }
        waits.push(waited);
      }
      expect(waits).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);

      platform.down('HTTP 503', { retryAfterMs: 30_000 });
      store.clock.advanceBy(4_000);
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 1 });
      store.clock.advanceBy(29_999);
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });
      store.clock.advanceBy(1);
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 1 });
    });

    it('opens at once on a Retry-After from the platform', async () => {
      const { store, platform, relay } = await setUp(3, { policy: { batchSize: 1 } });
      platform.refuseNext('HTTP 429', 1, { httpStatus: 429, retryAfterMs: 5_000 });
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, circuit: 'OPEN' });
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });
      store.clock.advanceBy(5_000);
      await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, delivered: 1, circuit: 'CLOSED' });
    });
  });

  describe('retry schedule', () => {
    it('waits between half and all of min(cap, base × 2^(attempt−1)) for any draw', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 60 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          fc.integer({ min: 1, max: 10_000 }),
          fc.integer({ min: 1, max: 3_600_000 }),
          (attempt, draw, base, cap) => {
            const wait = backoffMs({ backoffBaseMs: base, backoffCapMs: cap }, attempt, draw);
            const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
            return Number.isInteger(wait) && wait >= Math.floor(ceiling / 2) && wait <= ceiling;
          },
        ),
      );
    });

    it('by default outlasts three days of failures before parking, and not by much more than twice that', () => {
      const attempts = attemptsSpanning(DEFAULT_RETRY_SCHEDULE, DEFAULT_RETRY_SPAN_MS);
      const span = (draw: number) => Array.from({ length: attempts - 1 }, (_, i) => backoffMs(DEFAULT_RETRY_SCHEDULE, i + 1, draw)).reduce((a, b) => a + b, 0);
      const day = 86_400_000;
      expect(span(0)).toBeGreaterThanOrEqual(3 * day - attempts);
      expect(span(1 - Number.EPSILON)).toBeLessThanOrEqual(6.2 * day);
      expect(attempts).toBe(31);
      // An outage of hours parks nothing: 12 hours of failures use about 13 of the 31 attempts.
      let elapsed = 0;
      let attempt = 1;
      while (elapsed < 12 * 3_600_000) elapsed += backoffMs(DEFAULT_RETRY_SCHEDULE, attempt++, 1 - Number.EPSILON);
      expect(attempt).toBeLessThan(attempts / 2);
    });
  });
});

describe('ReadEventFeed', () => {
  it('serves every event ascending by sequence from any point, with its delivery status; type filters', async () => {
    const { store, relay, feed, placed, platform } = await setUp(3, { policy: { batchSize: 2 } });
    await appendEvent(store, 'order.cancelled', placed[0]!);
    await relay.execute();
    const all = await feed.execute({ after: 0, limit: 10, type: null });
    expect(all.items.map((e) => [e.envelope.sequence, e.envelope.type, e.status, e.attempts])).toEqual([
      [1, 'order.paid', 'DELIVERED', 1],
      [2, 'order.paid', 'DELIVERED', 1],
      [3, 'order.paid', 'PENDING', 0],
      [4, 'order.cancelled', 'PENDING', 0],
    ]);
    expect(all.items[0]!.envelope).toEqual(platform.received[0]);
    expect(all.items[0]!.deliveredAt).toEqual(store.clock.now());
    expect(all.nextAfter).toBe(4);

    const pages = [];
    let after = 0;
    for (;;) {
      const page = await feed.execute({ after, limit: 3, type: null });
      if (page.items.length === 0) break;
      pages.push(page.items.map((e) => e.envelope.sequence));
      after = page.nextAfter;
    }
    expect(pages).toEqual([[1, 2, 3], [4]]);
    await expect(feed.execute({ after: 4, limit: 3, type: null })).resolves.toEqual({ items: [], nextAfter: 4 });
    const cancelled = await feed.execute({ after: 0, limit: 10, type: 'order.cancelled' });
    expect(cancelled.items.map((e) => e.envelope.sequence)).toEqual([4]);
  });
});

describe('PurgeExpiredRecords', () => {
  it('deletes delivered events past retention, in bounded batches, and never a pending or parked one', async () => {
    const { store, relay, platform, feed } = await setUp(7, { policy: { batchSize: 5, maxAttempts: 1 } });
    platform.refuseNext('HTTP 500');
    await relay.execute(); // 4 delivered, 1 parked
    store.clock.advanceBy(3 * 86_400_000);
    await relay.execute(); // 2 more delivered, 3 days later
    const batches: number[] = [];
    const counting = {
      purgeDeliveredEvents: async (before: Date, limit: number) => {
        const n = await store.retentionStore.purgeDeliveredEvents(before, limit);
        batches.push(n);
        return n;
      },
      purgeIdempotencyKeys: (before: Date, limit: number) => store.retentionStore.purgeIdempotencyKeys(before, limit),
    };
    const purge = new PurgeExpiredRecords(counting, store.clock, {
      eventRetentionMs: 2 * 86_400_000,
      idempotencyKeyRetentionMs: 86_400_000,
      batchSize: 3,
      maxBatches: 10,
    });
    await expect(purge.execute()).resolves.toEqual({ events: 4, idempotencyKeys: 0 });
    expect(batches).toEqual([3, 1]);
    const kept = await feed.execute({ after: 0, limit: 10, type: null });
    expect(kept.items.map((e) => [e.envelope.sequence, e.status])).toEqual([
      [1, 'FAILED'],
      [6, 'DELIVERED'],
      [7, 'DELIVERED'],
    ]);
  });

  it('stops after its budget of batches; the next run carries on', async () => {
    const { store, relay } = await setUp(5);
    await relay.execute();
    store.clock.advanceBy(10 * 86_400_000);
    const purge = new PurgeExpiredRecords(store.retentionStore, store.clock, {
      eventRetentionMs: 86_400_000,
      idempotencyKeyRetentionMs: 86_400_000,
      batchSize: 2,
      maxBatches: 1,
    });
    await expect(purge.execute()).resolves.toMatchObject({ events: 2 });
    await expect(purge.execute()).resolves.toMatchObject({ events: 2 });
    await expect(purge.execute()).resolves.toMatchObject({ events: 1 });
  });
});

describe('ListOutboxEvents', () => {
  it('pages through the events of one status, newest first', async () => {
    const { store, relay, list, platform, eventIds } = await setUp(5, { policy: { batchSize: 2 } });
    await relay.execute(); // delivers the two oldest
    const pending = await allPages((page) => list.execute({ status: 'PENDING', page }), 2);
    expect(pending.map((p) => p.items.map((e) => e.eventId))).toEqual([[eventIds()[4], eventIds()[3]], [eventIds()[2]]]);
    expect(pending[1]?.nextAfter).toBeNull();
    const delivered = await list.execute({ status: 'DELIVERED', page: { limit: 10, after: null } });
    expect(delivered.items.map((e) => e.eventId)).toEqual([eventIds()[1], eventIds()[0]]);
    expect(delivered.items[0]).toEqual({
      eventId: eventIds()[1],
      type: 'order.paid',
      status: 'DELIVERED',
      attempts: 1,
      nextAttemptAt: null,
      lastError: null,
      createdAt: store.clock.now(),
      deliveredAt: store.clock.now(),
    });
    await expect(list.execute({ status: 'FAILED', page: { limit: 10, after: null } })).resolves.toEqual({ items: [], nextAfter: null });
    expect(platform.received).toHaveLength(2);
  });
});

describe('RetryOutboxEvent', () => {
  it('puts a parked event back in line with fresh attempts; the next pass delivers it', async () => {
    const { store, platform, relay, retry, eventIds } = await setUp(1, { policy: { maxAttempts: 1 } });
    platform.refuseNext('HTTP 500');
    await relay.execute();
    const [eventId] = eventIds();
    await expect(retry.execute({ eventId: eventId! })).resolves.toEqual({ eventId, status: 'PENDING' });
    expect(store.state.snapshot().outbox[0]).toMatchObject({ status: 'PENDING', attempts: 0, nextAttemptAt: store.clock.now(), lastError: 'HTTP 500' });
    await expect(relay.execute()).resolves.toMatchObject({ delivered: 1 });
  });

  it('fails with NOT_FOUND for an unknown event', async () => {
    const { retry } = await setUp(0);
    await expect(retry.execute({ eventId: 'no-such-event' })).rejects.toMatchObject({ code: ErrorCode.NotFound, details: { eventId: 'no-such-event' } });
  });

  it('fails with OUTBOX_EVENT_NOT_FAILED for a pending or delivered event, changing nothing', async () => {
    const { store, relay, retry, eventIds } = await setUp(2, { policy: { batchSize: 1 } });
    await relay.execute();
    const before = store.state.snapshot();
    for (const eventId of eventIds()) {
      await expect(retry.execute({ eventId })).rejects.toMatchObject({ code: ErrorCode.OutboxEventNotFailed });
    }
    expect(store.state.snapshot()).toEqual(before);
  });
});
