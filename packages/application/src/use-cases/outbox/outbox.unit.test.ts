import { ErrorCode } from '@storefront/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront } from '../../in-memory';
import { allPages, anOrder, aProduct, FakeDataPlatform, given } from '../../testing';
import { ListOutboxEvents } from './list-outbox-events';
import { RelayOutboxEvents, type RelayPolicy } from './relay-outbox-events';
import { RetryOutboxEvent } from './retry-outbox-event';

const POLICY: RelayPolicy = { batchSize: 10, leaseMs: 30_000, maxAttempts: 3, backoffBaseMs: 1_000, backoffCapMs: 60_000 };

async function setUp(orders = 1, options: { policy?: Partial<RelayPolicy>; random?: () => number } = {}) {
  const store = createInMemoryStorefront();
  const g = given(store);
  const product = await g.product(aProduct().withPrice(1_000));
  await g.fundedUser(1, 1_000_000);
  const placed = [];
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
    eventIds: () => store.state.snapshot().outbox.map((e) => e.eventId),
  };
}

describe('RelayOutboxEvents', () => {
  it('delivers each pending event as the envelope of API.md and marks it DELIVERED', async () => {
    const { store, placed, platform, relay, eventIds } = await setUp(2);
    await expect(relay.execute()).resolves.toEqual({ claimed: 2, delivered: 2, retried: 0, parked: 0 });
    expect(platform.received).toEqual(
      placed.map((order, i) => ({
        eventId: eventIds()[i],
        type: 'order.paid',
        occurredAt: order.createdAt.toISOString(),
        sequence: i + 1,
        data: JSON.parse(JSON.stringify(order)) as unknown,
      })),
    );
    expect(store.state.snapshot().outbox.map((e) => [e.status, e.attempts, e.deliveredAt, e.claimToken, e.leaseUntil])).toEqual([
      ['DELIVERED', 1, store.clock.now(), null, null],
      ['DELIVERED', 1, store.clock.now(), null, null],
    ]);
    await expect(relay.execute()).resolves.toEqual({ claimed: 0, delivered: 0, retried: 0, parked: 0 });
  });

  it('claims at most batchSize events, oldest first', async () => {
    const { platform, relay, eventIds } = await setUp(5, { policy: { batchSize: 2 } });
    await relay.execute();
    expect(platform.received.map((e) => e.eventId)).toEqual(eventIds().slice(0, 2));
    await relay.execute();
    await relay.execute();
    expect(platform.received.map((e) => e.eventId)).toEqual(eventIds());
  });

  it('on failure, retries after exponential backoff with full jitter, keeping the reason', async () => {
    const { store, platform, relay } = await setUp(1, { random: () => 0.5 });
    const start = store.clock.now().getTime();
    platform.refuseNext('HTTP 503').throwNext('socket hang up');

    await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, retried: 1 });
    // attempt 1: random(0, min(60 s, 1 s × 2^0)) = 0.5 × 1,000
    expect(store.state.snapshot().outbox[0]).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: new Date(start + 500) });
    store.clock.advanceBy(499);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });

    store.clock.advanceBy(1);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 1, retried: 1 });
    // attempt 2: 0.5 × 2,000, and a thrown error counts as a failed delivery
    expect(store.state.snapshot().outbox[0]).toMatchObject({ attempts: 2, lastError: 'socket hang up', nextAttemptAt: new Date(start + 500 + 1_000) });

    store.clock.advanceBy(1_000);
    await expect(relay.execute()).resolves.toMatchObject({ delivered: 1 });
    expect(store.state.snapshot().outbox[0]).toMatchObject({ status: 'DELIVERED', attempts: 3 });
  });

  it('parks the event as FAILED after maxAttempts failed deliveries, visible to operators', async () => {
    const { store, platform, relay, list } = await setUp(1, { random: () => 0 });
    platform.down('HTTP 500');
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(await relay.execute());
    expect(outcomes.map((o) => [o.retried, o.parked])).toEqual([[1, 0], [1, 0], [0, 1]]);
    expect(platform.received).toHaveLength(3);
    const failed = await list.execute({ status: 'FAILED', page: { limit: 10, after: null } });
    expect(failed.items).toEqual([
      expect.objectContaining({ status: 'FAILED', attempts: 3, lastError: 'HTTP 500', nextAttemptAt: null, deliveredAt: null }),
    ]);
    store.clock.advanceBy(86_400_000);
    await expect(relay.execute()).resolves.toMatchObject({ claimed: 0 });
  });

  it('a dead relay’s claim runs out after the lease, and its late outcome is ignored', async () => {
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

    const before = store.state.snapshot();
    await store.outboxRelayStore.markDelivered(abandoned!);
    await store.outboxRelayStore.park(abandoned!, 'late');
    await store.outboxRelayStore.scheduleRetry(abandoned!, new Date(0), 'late');
    expect(store.state.snapshot()).toEqual(before);
    expect(before.outbox[0]).toMatchObject({ status: 'PENDING', attempts: 2, lastError: 'HTTP 502' });
  });

  it('several relays at once deliver each event once', async () => {
    const { platform, store, relay } = await setUp(20, { policy: { batchSize: 3 } });
    const others = Array.from({ length: 4 }, () => new RelayOutboxEvents(store.outboxRelayStore, platform, store.clock, { ...POLICY, batchSize: 3 }));
    for (let round = 0; round < 3; round += 1) await Promise.all([relay.execute(), ...others.map((r) => r.execute())]);
    expect([...platform.receivedCounts().values()]).toEqual(Array.from({ length: 20 }, () => 1));
    expect(store.state.snapshot().outbox.every((e) => e.status === 'DELIVERED')).toBe(true);
  });

  describe('backoff', () => {
    const store = createInMemoryStorefront();
    const relayWith = (random: () => number, policy: Partial<RelayPolicy> = {}) =>
      new RelayOutboxEvents(store.outboxRelayStore, new FakeDataPlatform(), store.clock, { ...POLICY, ...policy }, random);

    it('stays within [0, min(cap, base × 2^(attempt−1))) for any draw of the jitter', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 60 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          fc.integer({ min: 1, max: 10_000 }),
          fc.integer({ min: 1, max: 3_600_000 }),
          (attempt, draw, base, cap) => {
            const backoff = relayWith(() => draw, { backoffBaseMs: base, backoffCapMs: cap }).backoffMs(attempt);
            const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
            return Number.isInteger(backoff) && backoff >= 0 && backoff < ceiling;
          },
        ),
      );
    });

    it('spans the whole range: 0 at the lowest draw, just under the ceiling at the highest', () => {
      const lowest = relayWith(() => 0);
      const highest = relayWith(() => 1 - Number.EPSILON);
      expect([1, 2, 3, 7, 30].map((attempt) => lowest.backoffMs(attempt))).toEqual([0, 0, 0, 0, 0]);
      // base 1 s doubling: 1 s, 2 s, 4 s, … capped at 60 s from the 7th attempt.
      expect([1, 2, 3, 6, 7, 30].map((attempt) => highest.backoffMs(attempt))).toEqual([999, 1_999, 3_999, 31_999, 59_999, 59_999]);
    });
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
