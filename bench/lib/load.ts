import autocannon from 'autocannon';

/** One request as a scenario wants it sent; `kind` groups the status counts of a mix. */
export interface RequestSpec {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  baseUrl: string;
  /** Fixed number of connections, each with one request in flight: a closed loop. */
  connections: number;
  /** Total requests; the run stops when all are answered. Without it the run lasts `durationSeconds`. */
  amount?: number;
  durationSeconds?: number;
  /** A bound on time as well: the run is stopped after this many seconds whatever is left. */
  maxSeconds: number;
  /** A request unanswered this long is a timeout (an error); 10 s unless told. */
  timeoutSeconds?: number;
  /** Called once per request sent, in order, shared by every connection. */
  next: () => RequestSpec;
  /** Statuses that are expected answers (successes and business refusals); the rest are errors. */
  expected: (status: number, kind: string) => boolean;
  /** Called on every answer with the request's 0-based position in sending order and the seconds since the first was sent. */
  onAnswer?: (sendIndex: number, kind: string, status: number, seconds: number) => void;
  /** Called with every answer's body. */
  onBody?: (body: string) => void;
}

export interface LoadMeasurement {
  requests: number;
  seconds: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  /** Unexpected statuses (any 5xx among them), timeouts and socket errors. */
  errors: number;
  /** `kind status` → count, e.g. `coupon 201`, `coupon 409`. */
  statuses: Record<string, number>;
  /** `kind status` → seconds after the start at which its last answer arrived. */
  lastAnswerSeconds: Record<string, number>;
  socketErrors: number;
  timeouts: number;
  stoppedByTime: boolean;
  /** Every answer's latency, sorted: phases of one scenario are merged from these. */
  latenciesMs: number[];
}

interface Context {
  kind?: string;
  sendIndex?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

/** Runs one closed-loop load with autocannon and measures it from the responses themselves. */
export async function runLoad(o: LoadOptions): Promise<LoadMeasurement> {
  const url = new URL(o.baseUrl);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const lastAnswerAt: Record<string, number> = {};
  let unexpected = 0;
  let firstSentAt = 0;
  let lastAnsweredAt = 0;
  let sent = 0;

  let finish: (result: autocannon.Result) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon({
    url: url.origin,
    connections: o.connections,
    ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationSeconds ?? 10 }),
    pipelining: 1,
    timeout: o.timeoutSeconds ?? 10,
    // The request-per-second histogram is not used; sample often so the run ends promptly.
    sampleInt: 100,
    requests: [
      {
        setupRequest: (req, context: Context) => {
          if (firstSentAt === 0) firstSentAt = performance.now();
          const spec = o.next();
          context.kind = spec.kind;
          context.sendIndex = sent++;
          const headers: Record<string, string> = { ...spec.headers };
          if (spec.body !== undefined) headers['content-type'] = 'application/json';
          return { ...req, method: spec.method, path: spec.path, headers, body: spec.body ?? '' };
        },
        onResponse: (status: number, body: string, context: Context) => {
          o.onBody?.(body);
          const kind = context.kind ?? '?';
          const key = `${kind} ${status}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
          const answeredAt = performance.now();
          lastAnswerAt[key] = answeredAt;
          if (!o.expected(status, kind)) unexpected += 1;
          o.onAnswer?.(context.sendIndex ?? -1, kind, status, (answeredAt - firstSentAt) / 1000);
        },
      },
    ],
  }, (error, result) => (error ? fail(error) : finish(result)));
  // autocannon only calls onResponse when it keeps bodies; latency and time come from here.
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    lastAnsweredAt = performance.now();
  });
  const timer = setTimeout(() => instance.stop(), o.maxSeconds * 1000);
  const result = await done;
  clearTimeout(timer);

  latencies.sort((a, b) => a - b);
  const seconds = Math.max(0.001, (lastAnsweredAt - firstSentAt) / 1000);
  const socketErrors = result.errors - result.timeouts;
  return {
    requests: latencies.length,
    seconds,
    tps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: unexpected + result.errors,
    statuses,
    lastAnswerSeconds: Object.fromEntries(Object.entries(lastAnswerAt).map(([k, at]) => [k, (at - firstSentAt) / 1000])),
    socketErrors,
    timeouts: result.timeouts,
    stoppedByTime: o.amount !== undefined && latencies.length < o.amount,
    latenciesMs: latencies,
  };
}
