import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayOutboxEvents, type OrderEventEnvelope } from '@storefront/application';
import { dataPlatformClientFor, JetStreamDataPlatformClient, loadConfig, PgOutboxRelayStore, SystemClock } from '@storefront/adapters';
import { freshDatabase, type TestDatabase } from '@storefront/adapters/testing';
import { OutboxRelayLoop } from '../src/outbox-relay.loop';
import { messagesOf, NATS_URL, natsServer, uniqueStream } from './support/nats';
import { fastPolicy } from './support/relay';
import { TestShop } from './support/shop';
import { silentLogger, waitUntil } from './support/wait';

/*
 * The JetStream transport against the NATS server on 127.0.0.1:4222. Each test has a stream and
 * subjects of its own, deleted afterwards.
 */

let nats: { connection: NatsConnection; manager: JetStreamManager };
let database: TestDatabase;
let shop: TestShop;
let productId: number;
const streams: string[] = [];

beforeAll(async () => {
  nats = await natsServer();
  database = await freshDatabase({ poolSize: 10 });
  shop = new TestShop(database);
  [productId] = (await shop.addProducts([1_000], 1_000_000)) as [number];
  await shop.fund([1, 2, 3], 9_000_000);
});
afterAll(async () => {
  for (const stream of streams) await nats?.manager.streams.delete(stream).catch(() => undefined);
  await nats?.connection.close();
  await database?.close();
});

function ownStream(): { stream: string; subjectPrefix: string } {
  const own = uniqueStream();
  streams.push(own.stream);
  return own;
}

async function placeOrders(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await shop.order(1 + (i % 3), [{ productId, quantity: 1 }])).orderId);
  return ids;
}

async function undelivered(): Promise<number> {
  const row = await database.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '<>', 'DELIVERED').executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('JetStreamDataPlatformClient', () => {
  it('creates the stream if missing and publishes each event to <prefix>.<type> with Nats-Msg-Id = eventId; the stream drops a duplicate', async () => {
    const { stream, subjectPrefix } = ownStream();
    const client = new JetStreamDataPlatformClient({ url: NATS_URL, stream, subjectPrefix, timeoutMs: 5_000 });
    const envelope = {
      eventId: '3f1c1a55-3b7c-4f0e-9d55-0a4b0c1d2e3f',
      type: 'order.cancelled',
      occurredAt: '2026-11-24T09:00:00.000Z',
      sequence: 7,
      data: { orderId: 9, status: 'CANCELLED' },
    } as unknown as OrderEventEnvelope;
    try {
      await expect(client.deliver(envelope)).resolves.toEqual({ delivered: true });
      await expect(client.deliver(envelope)).resolves.toEqual({ delivered: true });
      const messages = await messagesOf(nats.manager, stream);
      expect(messages).toEqual([{ subject: `${subjectPrefix}.order.cancelled`, msgId: envelope.eventId, body: JSON.stringify(envelope) }]);
    } finally {
      await client.close();
    }
  });

  it('answers a failed delivery, not an exception, when no server answers', async () => {
    const client = new JetStreamDataPlatformClient({ url: 'nats://127.0.0.1:1', stream: 'NOWHERE', timeoutMs: 500 });
    const outcome = await client.deliver({ eventId: 'x', type: 'order.paid', occurredAt: '', sequence: 1, data: {} } as unknown as OrderEventEnvelope);
    expect(outcome.delivered).toBe(false);
    expect(outcome.delivered === false && outcome.reason).toMatch(/^JetStream: /);
    await client.close();
  });

  it('is what DATA_PLATFORM_URL=nats://… configures, on DATA_PLATFORM_STREAM', () => {
    const config = loadConfig({ DATA_PLATFORM_URL: NATS_URL, DATA_PLATFORM_STREAM: 'ORDERS' }, { dataDir: '/nonexistent' });
    expect(dataPlatformClientFor(config.dataPlatform)).toBeInstanceOf(JetStreamDataPlatformClient);
  });
});

describe('a relay killed mid-batch, publishing to JetStream', () => {
  it('leaves every event in the stream exactly once after a restart', async () => {
    const { stream, subjectPrefix } = ownStream();
    const orderIds = await placeOrders(30);
    const leaseMs = 1_500;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/relay-child-nats.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env: { ...process.env, DATABASE_URL: database.url, NATS_URL, STREAM: stream, SUBJECT_PREFIX: subjectPrefix, LEASE_MS: String(leaseMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    try {
      await waitUntil('the child relay has published a batch', () => (output.match(/^acked /gm) ?? []).length >= 10, 30_000);
    } catch (error) {
      kill();
      throw new Error(`${(error as Error).message}; child output:\n${output}`, { cause: error });
    }
    kill();
    expect(await exited).toBe('SIGKILL');
    const acked = [...output.matchAll(/^acked (\S+)$/gm)].map((m) => m[1]!);
    expect(acked).toHaveLength(10);
    // Published, acknowledged, and not recorded: still claimed by the dead relay.
    expect(await undelivered()).toBe(30);

    const client = new JetStreamDataPlatformClient({ url: NATS_URL, stream, subjectPrefix, timeoutMs: 5_000 });
    const relay = new RelayOutboxEvents(new PgOutboxRelayStore(database.db), client, new SystemClock(), { ...fastPolicy, batchSize: 10 });
    const loop = new OutboxRelayLoop(relay, { batchSize: 10, pollIntervalMs: 20, errorDelayMs: 50 }, silentLogger);
    loop.start();
    try {
      await waitUntil('every event is delivered', async () => (await undelivered()) === 0, 30_000);
    } finally {
      await loop.stop();
      await client.close();
    }

    const messages = await messagesOf(nats.manager, stream);
    const ids = messages.map((m) => m.msgId);
    expect(messages).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    const published = messages.map((m) => JSON.parse(m.body) as OrderEventEnvelope);
    expect(published.map((e) => e.data.orderId).sort((a, b) => a - b)).toEqual([...orderIds].sort((a, b) => a - b));
    expect(published.every((e, i) => e.eventId === ids[i] && e.type === 'order.paid')).toBe(true);
    // The killed batch was published twice (the dead relay's, then after its lease); the stream kept one copy.
    const republished = await database.db.selectFrom('outbox').select(['event_id', 'attempts']).where('event_id', 'in', acked).execute();
    expect(republished.map((r) => r.attempts)).toEqual(Array(10).fill(2));
  });
});
