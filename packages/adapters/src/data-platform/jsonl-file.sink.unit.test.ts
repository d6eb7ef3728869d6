import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderEventEnvelope } from '@storefront/application';
import { JsonlFileSink } from './jsonl-file.sink';

function envelope(n: number): OrderEventEnvelope {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'order.paid',
    occurredAt: '2026-11-24T09:00:00.000Z',
    sequence: n,
    data: {
      orderId: n,
      userId: 1,
      status: 'PAID',
      items: [{ productId: 1, name: 'line\nbreak stays inside the JSON string', unitPrice: 1, quantity: 1, amount: 1, paidAmount: 1, refundedQuantity: 0 }],
      totalAmount: 1,
      discountAmount: 0,
      paidAmount: 1,
      refundedAmount: 0,
      userCouponId: null,
      refunds: [],
      createdAt: '2026-11-24T09:00:00.000Z',
      cancelledAt: null,
    },
  };
}

describe('JsonlFileSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates missing directories and appends one envelope per line', async () => {
    const path = join(dir, 'nested', 'deeper', 'events.jsonl');
    const sink = new JsonlFileSink(path);

    const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => sink.deliver(envelope(i + 1))));
    await sink.deliver(envelope(26));

    expect(outcomes.every((o) => o.delivered)).toBe(true);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(26);
    const parsed = lines.map((line) => JSON.parse(line) as OrderEventEnvelope);
    expect(parsed[25]).toEqual(envelope(26));
    expect(new Set(parsed.map((e) => e.eventId)).size).toBe(26);
    expect(Object.keys(parsed[0]!)).toEqual(['eventId', 'type', 'occurredAt', 'sequence', 'data']);
  });

  it('answers a failed delivery, not an exception, when it cannot write', async () => {
    // A directory where the file should be: appendFile fails with EISDIR.
    const sink = new JsonlFileSink(dir);
    const outcome = await sink.deliver(envelope(1));
    expect(outcome.delivered).toBe(false);
    expect(outcome.delivered === false && outcome.reason).toMatch(/cannot write/);
  });
});
