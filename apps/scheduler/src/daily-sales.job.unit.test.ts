import { describe, expect, it } from 'vitest';
import { DailySalesJob, type LockedCatchUp } from './daily-sales.job';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const alwaysWins: LockedCatchUp = async (run) => ({ acquired: true, result: await run() });

describe('DailySalesJob', () => {
  it('runs the catch-up on the cron schedule, in the business time zone, until stopped', async () => {
    const runs: number[] = [];
    const job = new DailySalesJob(
      { execute: async (input) => (runs.push(input.maxDays), []) },
      alwaysWins,
      // Every second, so the test need not wait for midnight.
      { timeZone: 'Asia/Seoul', maxCatchUpDays: 31, cronExpression: '* * * * * *', settleMs: 0 },
      quiet,
    );
    job.start();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await job.stop();
    const seen = runs.length;
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(runs.every((maxDays) => maxDays === 31)).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(runs.length).toBe(seen);
  });

  it('is scheduled at 00:00 in TZ_BUSINESS by default', async () => {
    const job = new DailySalesJob({ execute: async () => [] }, alwaysWins, { timeZone: 'Asia/Seoul', maxCatchUpDays: 31 }, quiet);
    job.start();
    const next = job.nextRun();
    await job.stop();
    // Midnight in Seoul (+09:00, no daylight saving) is 15:00 UTC, within the next day.
    expect(next).toBeInstanceOf(Date);
    expect(next!.toISOString()).toMatch(/T15:00:00\.000Z$/);
    expect(next!.getTime() - Date.now()).toBeLessThanOrEqual(24 * 60 * 60 * 1000);
  });

  it('waits a moment after the tick, so orders stamped just before midnight have committed', async () => {
    let runs = 0;
    const job = new DailySalesJob(
      { execute: async () => (runs++, []) },
      alwaysWins,
      { timeZone: 'Asia/Seoul', maxCatchUpDays: 31, cronExpression: '* * * * * *', settleMs: 5_000 },
      quiet,
    );
    job.start();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    // The tick came, but the run is still settling; stopping cancels it.
    await job.stop();
    expect(runs).toBe(0);
  });

  it('does not run the catch-up where another instance holds the lock', async () => {
    let ran = false;
    const job = new DailySalesJob(
      { execute: async () => ((ran = true), []) },
      async () => ({ acquired: false }),
      { timeZone: 'Asia/Seoul', maxCatchUpDays: 31 },
      quiet,
    );
    await job.runOnce();
    expect(ran).toBe(false);
  });

  it('logs a failed run and keeps the schedule', async () => {
    const errors: unknown[] = [];
    const job = new DailySalesJob(
      {
        execute: async () => {
          throw new Error('database unreachable');
        },
      },
      alwaysWins,
      { timeZone: 'Asia/Seoul', maxCatchUpDays: 31 },
      { ...quiet, error: (fields: unknown) => void errors.push(fields) },
    );
    await expect(job.runOnce()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
