/*
 * A relay in a process of its own, for the SIGKILL test: it runs the relay loop against
 * DATABASE_URL and PLATFORM_URL with a short lease, and prints "claimed <n>" when it has claimed
 * events (before delivering them), so the parent knows when to kill it mid-batch.
 */
import type { ClaimedOutboxEvent } from '@storefront/application';
import { HttpDataPlatformClient, openDatabase, PgOutboxRelayStore } from '@storefront/adapters';
import { fastPolicy, relayLoopOf, SECRET } from './relay';

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
relayLoopOf(database, {
  dataPlatform: new HttpDataPlatformClient({ url: process.env.PLATFORM_URL!, secret: SECRET, timeoutMs: 30_000 }),
  policy,
  outboxRelayStore: reportingStore,
}).start();
