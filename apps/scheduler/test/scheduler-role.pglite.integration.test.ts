import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, migrateToLatest, openDatabase, type Database } from '@storefront/adapters';
import { startSchedulerRole } from '../src/scheduler.composition';
import { ManualClock } from '@storefront/application/testing';
import { recordingLogger } from './support/recording-logger';
import { TestShop } from './support/shop';
import { waitUntil } from './support/wait';

/*
 * `pnpm start` on the embedded default: the scheduler role on PGlite, whose single connection
 * Kysely serialises. The advisory lock must not hold that connection while the catch-up runs
 * its own transactions on it. (A file of its own: starting PGlite takes seconds, and the
 * integration project runs files in parallel.)
 */

const ZONE = 'Asia/Seoul';

describe('the scheduler role on embedded PGlite', () => {
  let pglite: Database;
  let sinkDir: string;
  beforeAll(async () => {
    // In memory: the same engine, without the seconds an on-disk initdb takes.
    pglite = await openDatabase({});
    await migrateToLatest(pglite.db);
    sinkDir = await mkdtemp(join(tmpdir(), 'scheduler-pglite-'));
  });
  afterAll(async () => {
    await pglite.close();
    await rm(sinkDir, { recursive: true, force: true });
  });

  it('catches up under the advisory lock and writes new events to the JSONL sink', async () => {
    const localShop = new TestShop(pglite, new ManualClock('2026-11-20T12:00:00+09:00'));
    const [productId] = await localShop.addProducts([1_500]);
    await localShop.fund([1]);
    const order = await localShop.order(1, [{ productId: productId!, quantity: 2 }]);

    const sinkPath = join(sinkDir, 'nested', 'events.jsonl');
    const config = loadConfig({ TZ_BUSINESS: ZONE, EVENT_SINK_PATH: sinkPath }, { dataDir: sinkDir });
    const logger = recordingLogger();
    const role = startSchedulerRole({ config, database: pglite, logger, clock: new ManualClock('2026-11-22T09:00:00+09:00'), maxCatchUpDays: 5 });
    try {
      await waitUntil('the catch-up has run', () => logger.entries.some((e) => e.message === 'daily sales aggregated'));
      await waitUntil('the event is in the sink', async () => (await readFile(sinkPath, 'utf8').catch(() => '')).includes('\n'));
    } finally {
      await role.close();
    }
    const lines = (await readFile(sinkPath, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'order.paid', data: { orderId: order.orderId } });
    const stats = await pglite.db.selectFrom('daily_product_sales').selectAll().execute();
    expect(stats).toEqual([{ day: '2026-11-20', product_id: productId, quantity: 2, revenue: 3_000 }]);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
