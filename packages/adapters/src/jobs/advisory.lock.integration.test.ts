import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/harness';
import { openDatabase } from '../db/database.factory';
import { runUnderAdvisoryLock } from './advisory.lock';

const KEY = 424_242;
let database: TestDatabase;
let otherInstance: Awaited<ReturnType<typeof openDatabase>>;

beforeAll(async () => {
  database = await freshDatabase({ poolSize: 4 });
  // A second pool on the same database: another scheduler instance.
  otherInstance = await openDatabase({ databaseUrl: database.url, poolSize: 4 });
});
afterAll(async () => {
  await otherInstance.close();
  await database.close();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runUnderAdvisoryLock on PostgreSQL', () => {
  it('runs the job in one instance at a time; the other skips without waiting', async () => {
    const release = deferred();
    const started = deferred();
    const holder = runUnderAdvisoryLock(database.db, KEY, async () => {
      started.resolve();
      await release.promise;
      return 'first';
    });
    await started.promise;

    let secondRan = false;
    await expect(
      runUnderAdvisoryLock(otherInstance.db, KEY, async () => {
        secondRan = true;
      }),
    ).resolves.toEqual({ acquired: false });
    expect(secondRan).toBe(false);

    release.resolve();
    await expect(holder).resolves.toEqual({ acquired: true, result: 'first' });
    await expect(runUnderAdvisoryLock(otherInstance.db, KEY, async () => 'next')).resolves.toEqual({ acquired: true, result: 'next' });
  });

  it('lets the job use the pool while the lock is held, and releases the lock when the job fails', async () => {
    await expect(
      runUnderAdvisoryLock(database.db, KEY, async () => {
        await database.db.selectFrom('outbox').select('seq').execute();
        throw new Error('job failed');
      }),
    ).rejects.toThrow('job failed');
    await expect(runUnderAdvisoryLock(otherInstance.db, KEY, async () => 'free again')).resolves.toEqual({ acquired: true, result: 'free again' });
  });
});
