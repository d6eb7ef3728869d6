import { RelayOutboxEvents, type RelayPolicy } from '@storefront/application';
import { HttpDataPlatformClient, PgOutboxRelayStore, SystemClock, type Database } from '@storefront/adapters';
import { OutboxRelayLoop } from '../../src/outbox-relay.loop';
import { silentLogger } from './wait';

export const SECRET = 'test-data-platform-secret';

/** Short leases and backoffs keep the fault tests fast; `maxAttempts` high unless parking is the point. */
export const fastPolicy: RelayPolicy = { batchSize: 10, leaseMs: 10_000, maxAttempts: 1_000, backoffBaseMs: 10, backoffCapMs: 100 };

export interface RelayUnderTest {
  loop: OutboxRelayLoop;
  delivered: () => number;
}

/** One relay process's worth of parts, as the scheduler wires them, over its own store and client. */
export function startRelay(
  database: Database,
  platformUrl: string,
  options: { policy?: Partial<RelayPolicy>; timeoutMs?: number; pollIntervalMs?: number } = {},
): RelayUnderTest {
  const policy = { ...fastPolicy, ...options.policy };
  const relay = new RelayOutboxEvents(
    new PgOutboxRelayStore(database.db),
    new HttpDataPlatformClient({ url: platformUrl, secret: SECRET, timeoutMs: options.timeoutMs ?? 2_000 }),
    new SystemClock(),
    policy,
  );
  let delivered = 0;
  const counting = {
    execute: async () => {
      const pass = await relay.execute();
      delivered += pass.delivered;
      return pass;
    },
  };
  const loop = new OutboxRelayLoop(counting, { batchSize: policy.batchSize, pollIntervalMs: options.pollIntervalMs ?? 20, errorDelayMs: 50 }, silentLogger);
  loop.start();
  return { loop, delivered: () => delivered };
}
