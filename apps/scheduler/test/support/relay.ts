import { RelayOutboxEvents, type RelayPolicy } from '@storefront/application';
import { HttpDataPlatformClient, PgOutboxRelayStore, SystemClock, type Database } from '@storefront/adapters';
import { OutboxRelayLoop } from '../../src/outbox-relay.loop';
import type { SchedulerLogger } from '../../src/logger';
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

/** One relay process's worth of parts, as the scheduler wires them, over its own store and client. */
export function startRelay(
  database: Database,
  platformUrl: string,
  options: { policy?: Partial<RelayPolicy>; timeoutMs?: number; pollIntervalMs?: number; secret?: () => string; logger?: SchedulerLogger } = {},
): RelayUnderTest {
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
  const relay = new RelayOutboxEvents(
    new PgOutboxRelayStore(database.db),
    platform,
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
  const loop = new OutboxRelayLoop(
    counting,
    { batchSize: policy.batchSize, pollIntervalMs: options.pollIntervalMs ?? 20, errorDelayMs: 50 },
    options.logger ?? silentLogger,
  );
  loop.start();
  return { loop, delivered: () => delivered };
}
