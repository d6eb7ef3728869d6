import { describe, expect, it } from 'vitest';
import type { RelayPassResult } from '@storefront/application';
import { OutboxRelayLoop } from './outbox-relay.loop';
import { recordingLogger } from '../test/support/recording-logger';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const pass = (claimed: number): RelayPassResult => ({
  claimed,
  delivered: claimed,
  retried: 0,
  parked: 0,
  failures: [],
  circuit: 'CLOSED',
  circuitChange: null,
});

describe('OutboxRelayLoop', () => {
  it('runs the next pass at once after a full batch, and waits the poll interval otherwise', async () => {
    const startedAt: number[] = [];
    const results = [pass(10), pass(10), pass(3), pass(0)];
    const loop = new OutboxRelayLoop(
      {
        execute: async () => {
          startedAt.push(Date.now());
          return results.shift() ?? pass(0);
        },
      },
      { batchSize: 10, pollIntervalMs: 200, errorDelayMs: 200 },
      quiet,
    );
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await loop.stop();

    // Passes 1–3 back to back (two full batches), then a pause after the partial third.
    expect(startedAt.length).toBeGreaterThanOrEqual(4);
    expect(startedAt[2]! - startedAt[0]!).toBeLessThan(100);
    expect(startedAt[3]! - startedAt[2]!).toBeGreaterThanOrEqual(150);
  });

  it('keeps going after a failed pass', async () => {
    let calls = 0;
    const loop = new OutboxRelayLoop(
      {
        execute: async () => {
          calls += 1;
          if (calls === 1) throw new Error('database unreachable');
          return pass(0);
        },
      },
      { batchSize: 10, pollIntervalMs: 10, errorDelayMs: 10 },
      quiet,
    );
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await loop.stop();
    expect(calls).toBeGreaterThan(2);
  });

  it('stops after the pass in flight has finished, and starts no other', async () => {
    let finishPass!: () => void;
    let passes = 0;
    let finished = false;
    const loop = new OutboxRelayLoop(
      {
        execute: async () => {
          passes += 1;
          await new Promise<void>((resolve) => (finishPass = resolve));
          finished = true;
          return pass(10);
        },
      },
      { batchSize: 10, pollIntervalMs: 10, errorDelayMs: 10 },
      quiet,
    );
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopped = loop.stop();
    let stoppedYet = false;
    void stopped.then(() => (stoppedYet = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stoppedYet).toBe(false);

    finishPass();
    await stopped;
    expect(finished).toBe(true);
    expect(passes).toBe(1);
  });
});

describe('OutboxRelayLoop logging', () => {
  it('logs failed deliveries at warn with their reasons, and the circuit opening', async () => {
    const logger = recordingLogger();
    const failing: RelayPassResult = {
      claimed: 3,
      delivered: 0,
      retried: 2,
      parked: 1,
      failures: [
        { eventId: 'e1', type: 'order.paid', attempt: 1, reason: 'HTTP 503: down', httpStatus: 503, parked: false },
        { eventId: 'e2', type: 'order.paid', attempt: 1, reason: 'HTTP 503: down', httpStatus: 503, parked: false },
        { eventId: 'e3', type: 'order.cancelled', attempt: 31, reason: 'no answer within 5000 ms', httpStatus: null, parked: true },
      ],
      circuit: 'OPEN',
      circuitChange: 'opened',
    };
    const results = [failing];
    const loop = new OutboxRelayLoop({ execute: async () => results.shift() ?? pass(0) }, { batchSize: 10, pollIntervalMs: 10, errorDelayMs: 10 }, logger);
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await loop.stop();
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.fields).toMatchObject({ failed: 3, parked: 1, reasons: { 'HTTP 503: down': 2, 'no answer within 5000 ms': 1 } });
    expect(warnings[0]!.message).toMatch(/3 deliveries failed \(HTTP 503: down, …\)/);
    expect(warnings[1]!.message).toMatch(/one probe at a time/);
  });
});
