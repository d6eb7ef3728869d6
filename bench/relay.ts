/*
 * The relay scenario of `pnpm bench` (alone: `pnpm bench --only=relay`): how fast the outbox relay,
 * run as production runs it (`apps/scheduler/src/main.ts`, NODE_ENV=production, default
 * settings), drains a backlog of order events
 *   1. to an HTTP receiver on loopback that answers 204 at once and checks every signature, and
 *   2. to JetStream on the NATS server at 127.0.0.1:4222 (a stream of the run's own),
 * and whether it kept each order's events in order. The backlog is written straight into a fresh
 * database: N events over N/4 orders, four events per order (paid, refunded, refunded,
 * cancelled), each order's events far apart in the outbox, so the relay must hold every later
 * event until the earlier one is delivered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { createDatabase, databaseUrl, dropDatabase, withClient } from './lib/postgres';
import { runCommand } from './lib/processes';

export interface RelayMeasurement {
  transport: 'http' | 'jetstream';
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Orders whose events arrived out of sequence order (must be 0). */
  outOfOrder: number;
  /** Events received more than once (at-least-once allows it; a clean run has none). */
  duplicates: number;
  /** Events never received (must be 0). */
  missing: number;
  /** The machine's 1-minute load average when the drain ended: on a shared machine, the context of the figure. */
  loadAverage: number;
}

const TARGET_PER_SECOND = 2_000;

export async function runRelayBench(options: { root: string; logDir: string; events: number; log: (message: string) => void }): Promise<RelayMeasurement[]> {
  const results: RelayMeasurement[] = [];
  for (const transport of ['http', 'jetstream'] as const) {
    const database = `bench_relay_${transport}_${Date.now()}`;
    await createDatabase(database);
    try {
      await runCommand('pnpm', ['--silent', 'db:migrate'], { cwd: options.root, env: { ...process.env, DATABASE_URL: databaseUrl(database) }, timeoutMs: 120_000 });
      await seedBacklog(database, options.events);
      options.log(`relay → ${transport}: ${options.events} events over ${options.events / 4} orders written`);
      const measurement = { ...(transport === 'http' ? await toHttp(database, options) : await toJetStream(database, options)), loadAverage: loadavg()[0] ?? 0 };
      options.log(
        `relay → ${transport}: ${measurement.events} events in ${measurement.seconds.toFixed(2)} s = ${measurement.eventsPerSecond.toFixed(0)} events/s ` +
          `(target ≥ ${TARGET_PER_SECOND}); ${measurement.outOfOrder} orders out of order, ${measurement.missing} missing, ${measurement.duplicates} duplicates; load average ${measurement.loadAverage.toFixed(1)}`,
      );
      results.push(measurement);
    } finally {
      await dropDatabase(database);
    }
  }
  return results;
}

export function relayReportLines(results: readonly RelayMeasurement[]): string[] {
  return [
    '## Outbox relay',
    '',
    `The scheduler role (NODE_ENV=production, default settings) draining a backlog of order events; target ≥ ${TARGET_PER_SECOND.toLocaleString('en-US')} events/s with each order's events in order.`,
    '',
    'The load average is the machine\'s (2 cores shared with other work) when each drain ended: above 2, the relay, PostgreSQL and the receiver were queueing for a CPU.',
    '',
    '| transport | events | seconds | events/s | orders out of order | missing | duplicates | load average | target met |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.transport} | ${r.events} | ${r.seconds.toFixed(2)} | ${r.eventsPerSecond.toFixed(0)} | ${r.outOfOrder} | ${r.missing} | ${r.duplicates} | ${r.loadAverage.toFixed(1)} | ${
          r.eventsPerSecond >= TARGET_PER_SECOND && r.outOfOrder === 0 && r.missing === 0 ? 'yes' : 'NO'
        } |`,
    ),
    '',
  ];
}

/** Four events per order, written in four sweeps so an order's events lie far apart in the outbox. */
async function seedBacklog(database: string, events: number): Promise<void> {
  const orders = events / 4;
  await withClient(database, async (client) => {
    for (const [k, type] of (['order.paid', 'order.refunded', 'order.refunded', 'order.cancelled'] as const).entries()) {
      await client.query(
        `INSERT INTO outbox (type, order_id, payload, occurred_at)
         SELECT $1, n,
                json_build_object('orderId', n, 'userId', 1 + n % 1000, 'status', $2::text,
                  'items', json_build_array(json_build_object('productId', 1 + n % 100, 'name', 'Product', 'unitPrice', 1000, 'quantity', 2, 'amount', 2000)),
                  'totalAmount', 2000, 'discountAmount', 0, 'paidAmount', 2000, 'userCouponId', null, 'createdAt', now(), 'step', $3::int)
                ::jsonb || (CASE WHEN $1 = 'order.refunded' THEN json_build_object('refund', json_build_object('refundId', n * 10 + $3::int, 'amount', 1000))::jsonb ELSE '{}'::jsonb END),
                now()
           FROM generate_series(1, $4::int) AS n`,
        [type, type === 'order.paid' ? 'PAID' : type === 'order.cancelled' ? 'CANCELLED' : 'PARTIALLY_REFUNDED', k, orders],
      );
    }
  });
}

interface Arrival {
  orderId: number;
  sequence: number;
  eventId: string;
}

/** Orders whose events did not arrive in ascending sequence, and duplicates/missing by event id. */
function judge(arrivals: readonly Arrival[], expected: number): Pick<RelayMeasurement, 'outOfOrder' | 'duplicates' | 'missing'> {
  const lastOf = new Map<number, number>();
  const outOfOrder = new Set<number>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const a of arrivals) {
    if (seen.has(a.eventId)) {
      duplicates += 1;
      continue;
    }
    seen.add(a.eventId);
    if ((lastOf.get(a.orderId) ?? 0) > a.sequence) outOfOrder.add(a.orderId);
    lastOf.set(a.orderId, a.sequence);
  }
  return { outOfOrder: outOfOrder.size, duplicates, missing: expected - seen.size };
}

function startScheduler(options: { root: string; logDir: string }, env: NodeJS.ProcessEnv, name: string): { child: ChildProcess; exitedEarly: () => void; stop: () => Promise<void> } {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'w' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/scheduler/src/main.ts'], {
    cwd: options.root,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', JWT_SECRET: randomBytes(32).toString('hex'), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    exitedEarly: () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the scheduler exited early; see ${join(options.logDir, `${name}.log`)}`);
    },
    stop: async () => {
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, s);
        } catch {
          // gone
        }
      };
      signal('SIGTERM');
      if ((await Promise.race([exited.then(() => 'exited'), sleep(10_000)])) !== 'exited') signal('SIGKILL');
      signal('SIGKILL');
      log.end();
    },
  };
}

async function toHttp(database: string, options: { root: string; logDir: string; events: number }): Promise<RelayMeasurement> {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const webhook = new Webhook(secret);
  const arrivals: Arrival[] = [];
  let rejected = 0;
  let first = 0;
  let last = 0;
  // Answers at once and keeps the raw request; every signature is checked after the clock stops,
  // so the measurement is the relay's, not the receiver's JavaScript SHA-256.
  const received: { body: string; headers: Record<string, string> }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers as Record<string, string> });
      first ||= performance.now();
      last = performance.now();
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  const scheduler = startScheduler(options, { DATABASE_URL: databaseUrl(database), DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: secret }, 'relay-http');
  try {
    const ids = new Set<string>();
    await waitFor(() => {
      scheduler.exitedEarly();
      for (const request of received.slice(arrivals.length)) {
        const event = JSON.parse(request.body) as { eventId: string; sequence: number; data: { orderId: number } };
        arrivals.push({ orderId: event.data.orderId, sequence: event.sequence, eventId: event.eventId });
        ids.add(event.eventId);
      }
      return ids.size >= options.events;
    }, 300_000);
  } finally {
    await scheduler.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const request of received) {
    try {
      webhook.verify(request.body, request.headers);
    } catch {
      rejected += 1;
    }
  }
  if (rejected > 0) throw new Error(`${rejected} deliveries failed the standardwebhooks verification`);
  const seconds = (last - first) / 1000;
  return { transport: 'http', events: options.events, seconds, eventsPerSecond: options.events / seconds, loadAverage: 0, ...judge(arrivals, options.events) };
}

async function toJetStream(database: string, options: { root: string; logDir: string; events: number }): Promise<RelayMeasurement> {
  const stream = `BENCH_EVENTS_${Date.now()}`;
  const connection = await connect({ servers: 'nats://127.0.0.1:4222', timeout: 2_000 });
  const manager = await jetstreamManager(connection);
  const scheduler = startScheduler(options, { DATABASE_URL: databaseUrl(database), DATA_PLATFORM_URL: 'nats://127.0.0.1:4222', DATA_PLATFORM_STREAM: stream }, 'relay-jetstream');
  try {
    let started = 0;
    await waitFor(async () => {
      const messages = await manager.streams
        .info(stream)
        .then((info) => info.state.messages)
        .catch(() => 0);
      if (messages > 0 && started === 0) started = performance.now();
      scheduler.exitedEarly();
      return messages >= options.events;
    }, 300_000, 20);
    const ended = performance.now();
    await scheduler.stop();
    // The stream's own order is the order of the acknowledgements.
    const arrivals: Arrival[] = [];
    const consumer = await jetstream(connection).consumers.get(stream);
    const messages = await consumer.fetch({ max_messages: options.events, expires: 30_000 });
    for await (const message of messages) {
      const event = message.json<{ eventId: string; sequence: number; data: { orderId: number } }>();
      arrivals.push({ orderId: event.data.orderId, sequence: event.sequence, eventId: event.eventId });
      if (arrivals.length >= options.events) break;
    }
    const seconds = (ended - started) / 1000;
    return { transport: 'jetstream', events: options.events, seconds, eventsPerSecond: options.events / seconds, loadAverage: 0, ...judge(arrivals, options.events) };
  } finally {
    await scheduler.stop();
    await manager.streams.delete(stream).catch(() => undefined);
    await connection.close();
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`relay bench: not done within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
