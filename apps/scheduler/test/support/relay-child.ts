/*
 * A relay in a process of its own, for the SIGKILL test: it runs the relay loop against
 * DATABASE_URL and PLATFORM_URL with a short lease, and prints "claimed <n>" when it has claimed
 * events (before delivering them), so the parent knows when to kill it mid-batch.
 */
import { RelayOutboxEvents, type ClaimedOutboxEvent } from '@storefront/application';
import { HttpDataPlatformClient, openDatabase, PgOutboxRelayStore, SystemClock } from '@storefront/adapters';
import { OutboxRelayLoop } from '../../src/outbox-relay.loop';
import { fastPolicy, SECRET } from './relay';
import { silentLogger } from './wait';

const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 });
const store = new PgOutboxRelayStore(database.db);
const reportingStore = Object.assign(Object.create(store) as PgOutboxRelayStore, {
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]> {
    const claimed = await store.claimDue(limit, leaseMs);
    if (claimed.length > 0) process.stdout.write(`claimed ${claimed.length}\n`);
    return claimed;
  },
});
const policy = { ...fastPolicy, leaseMs: Number(process.env.LEASE_MS) };
const relay = new RelayOutboxEvents(
  reportingStore,
  new HttpDataPlatformClient({ url: process.env.PLATFORM_URL!, secret: SECRET, timeoutMs: 30_000 }),
  new SystemClock(),
  policy,
);
new OutboxRelayLoop(relay, { batchSize: policy.batchSize, pollIntervalMs: 20, errorDelayMs: 50 }, silentLogger).start();
