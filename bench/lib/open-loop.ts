import { Agent, request } from 'node:http';
import { percentile, type RequestSpec } from './load';

/*
 * An open loop: requests are due at a fixed rate, sent when due whatever is still in flight, and
 * each latency runs from the request's due time (not its send time) to the end of its answer,
 * so a service that falls behind shows it as latency instead of quietly slowing the sender
 * (coordinated omission). node:http with a keep-alive agent; at most `maxInFlight` requests in
 * flight — a request due beyond that is not sent and counts as an error.
 */

export interface OpenLoopOptions {
  baseUrl: string;
  rate: number;
  seconds: number;
  next: () => RequestSpec;
  expected: (status: number, kind: string) => boolean;
  maxInFlight?: number;
  timeoutMs?: number;
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  answered: number;
  p50Ms: number;
  p99Ms: number;
  /** Unexpected statuses, socket errors, timeouts and requests not sent (too many in flight). */
  errors: number;
  /** Answers per second over the run, to compare with the rate asked for. */
  achievedRate: number;
  /**
   * p99 of how late this client sent a request after its due time. Near the latency p99, the
   * client, not the service, made the tail: on 2 cores it waits for a core like everyone else
   * (run on a worker thread of its own, it lagged as much: it is CPU, not its heap).
   */
  sendLagP99Ms: number;
}

/** When request i is due, in ms after the start, at `rate` per second. */
export const dueAtMs = (i: number, rate: number): number => (i * 1000) / rate;

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(o.baseUrl);
  const maxInFlight = o.maxInFlight ?? 2_000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let errors = 0;
  let inFlight = 0;
  let sent = 0;
  let lastAnswerAt = 0;
  const start = performance.now();

  const send = (dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const spec = o.next();
      const headers: Record<string, string | number> = { ...spec.headers };
      if (spec.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(spec.body);
      }
      inFlight += 1;
      const done = (ok: boolean): void => {
        inFlight -= 1;
        if (!ok) errors += 1;
        resolve();
      };
      const req = request({ host: url.hostname, port: url.port, method: spec.method, path: spec.path, headers, agent, timeout: timeoutMs }, (res) => {
        res.resume();
        res.once('end', () => {
          const now = performance.now();
          latencies.push(now - dueAt);
          lastAnswerAt = now;
          done(o.expected(res.statusCode ?? 0, spec.kind));
        });
        res.once('error', () => done(false));
      });
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', () => done(false));
      req.end(spec.body);
    });

  const pending: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - start;
      while (sent < total && dueAtMs(sent, o.rate) <= elapsed) {
        const dueAt = start + dueAtMs(sent, o.rate);
        sendLags.push(performance.now() - dueAt);
        sent += 1;
        if (inFlight >= maxInFlight) {
          errors += 1;
          continue;
        }
        pending.push(send(dueAt));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  sendLags.sort((a, b) => a - b);
  const seconds = Math.max(0.001, (lastAnswerAt - start) / 1000);
  return {
    rate: o.rate,
    sent,
    answered: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    achievedRate: latencies.length / seconds,
    sendLagP99Ms: percentile(sendLags, 99),
  };
}
