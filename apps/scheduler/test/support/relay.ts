import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { DataPlatformClient, OutboxRelayStore, RelayObserver, RelayPolicy } from '@storefront/application';
import { HttpDataPlatformClient, loadConfig, type Database } from '@storefront/adapters';
import { freshDatabase, type TestDatabase } from '@storefront/adapters/testing';
import type { SchedulerLogger } from '../../src/logger';
import type { OutboxRelayLoop } from '../../src/outbox-relay.loop';
import { composeScheduler } from '../../src/scheduler.composition';
import { DataPlatformReceiver } from './data-platform-receiver';
import { TestShop } from './shop';
import { silentLogger } from './wait';

/** A Standard Webhooks secret (whsec_ + base64), as a data team would be given. */
export const SECRET = `whsec_${Buffer.from('test-data-platform-secret').toString('base64')}`;

/**
 * Short leases, backoffs and probe intervals keep the fault tests fast; `maxAttempts` high unless
 * parking is the point, and the circuit out of the way unless it is.
 */
export const fastPolicy: RelayPolicy = {
  batchSize: 10,
  leaseMs: 10_000,
  maxAttempts: 1_000,
  backoffBaseMs: 10,
  backoffCapMs: 100,
  failureThreshold: 1_000_000,
  probeIntervalMinMs: 20,
  probeIntervalMaxMs: 200,
  retryAfterCapMs: 60_000,
};

export interface RelayUnderTest {
  loop: OutboxRelayLoop;
  delivered: () => number;
}

interface RelayOptions {
  policy?: Partial<RelayPolicy>;
  timeoutMs?: number;
  pollIntervalMs?: number;
  secret?: () => string;
  logger?: SchedulerLogger;
}

/** One relay process's worth of parts, as the scheduler wires them, over its own store and client. */
export function startRelay(database: Database, platformUrl: string, options: RelayOptions = {}): RelayUnderTest {
  const policy = { ...fastPolicy, ...options.policy };
  // The client is rebuilt when the secret changes: a rotation is a restart with a new DATA_PLATFORM_SECRET.
  const secretNow = options.secret ?? (() => SECRET);
  let client = { secret: secretNow(), platform: new HttpDataPlatformClient({ url: platformUrl, secret: secretNow(), timeoutMs: options.timeoutMs ?? 2_000 }) };
  const platform = {
    deliver: (envelope: Parameters<HttpDataPlatformClient['deliver']>[0]) => {
      if (client.secret !== secretNow()) {
        client = { secret: secretNow(), platform: new HttpDataPlatformClient({ url: platformUrl, secret: secretNow(), timeoutMs: options.timeoutMs ?? 2_000 }) };
      }
      return client.platform.deliver(envelope);
    },
  };
  let delivered = 0;
  const loop = relayLoopOf(database, {
    dataPlatform: platform,
    policy,
    pollIntervalMs: options.pollIntervalMs ?? 20,
    logger: options.logger ?? silentLogger,
    observer: {
      attempted: (delivery) => {
        if (delivery.settlement.kind === 'delivered') delivered++;
      },
    },
  });
  loop.start();
  return { loop, delivered: () => delivered };
}

/**
 * The relay loop of a scheduler composed as the role composes it, with the test's data platform,
 * policy and cadence (one pass at a time, 50 ms after a failed one); not started.
 */
export function relayLoopOf(
  database: Database,
  options: {
    dataPlatform: DataPlatformClient;
    policy: RelayPolicy;
    pollIntervalMs?: number;
    logger?: SchedulerLogger;
    outboxRelayStore?: OutboxRelayStore;
    observer?: RelayObserver;
  },
): OutboxRelayLoop {
  return composeScheduler({
    config: loadConfig({}, { dataDir: '/nonexistent' }),
    database,
    logger: options.logger ?? silentLogger,
    dataPlatform: options.dataPlatform,
    relayPolicy: options.policy,
    pollIntervalMs: options.pollIntervalMs ?? 20,
    relayErrorDelayMs: 50,
    relayConcurrency: 1,
    ...(options.outboxRelayStore ? { outboxRelayStore: options.outboxRelayStore } : {}),
    ...(options.observer ? { relayObserver: options.observer } : {}),
  }).relay;
}

/** What a relay test file works with; read its fields inside tests and hooks (they are set by hooks). */
export interface RelayWorld {
  readonly database: TestDatabase;
  readonly shop: TestShop;
  /** A fresh receiver on loopback for each test, checking every signature against SECRET. */
  readonly receiver: DataPlatformReceiver;
  /** Starts a relay to the receiver; it is stopped after the test. */
  relay(options?: RelayOptions): RelayUnderTest;
}

/**
 * Registers the hooks of a relay test file: a fresh database with a shop, seeded once by `seed`;
 * a receiver per test; after each test the relays it started stop, the receiver closes and the
 * outbox is emptied, so that delivered or parked events of one test do not count in the next.
 */
export function relayWorld(seed: (shop: TestShop) => Promise<void>): RelayWorld {
  let database: TestDatabase | undefined;
  let shop: TestShop | undefined;
  let receiver: DataPlatformReceiver | undefined;
  const relays: RelayUnderTest[] = [];
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`relayWorld: ${name} is read before its hook ran`);
    return value;
  };
  beforeAll(async () => {
    database = await freshDatabase({ poolSize: 20 });
    shop = new TestShop(database);
    await seed(shop);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    receiver = await DataPlatformReceiver.start(SECRET);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.loop.stop()));
    await receiver?.close();
    await database?.db.deleteFrom('outbox').execute();
  });
  return {
    get database() {
      return ready(database, 'database');
    },
    get shop() {
      return ready(shop, 'shop');
    },
    get receiver() {
      return ready(receiver, 'receiver');
    },
    relay(options = {}) {
      const started = startRelay(ready(database, 'database'), ready(receiver, 'receiver').url, options);
      relays.push(started);
      return started;
    },
  };
}
