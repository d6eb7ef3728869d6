import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignatureHeader } from '@storefront/adapters';

/**
 * How the fake data platform behaves: accepting, refusing with a status, never answering, or
 * answering 200 only after a delay (a slow platform, to catch a relay mid-batch).
 */
export type ReceiverMode = { kind: 'accept' } | { kind: 'refuse'; status: number } | { kind: 'hang' } | { kind: 'slow'; delayMs: number };

export interface ReceivedEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  sequence: number;
  data: { orderId: number; [key: string]: unknown };
}

const ORDER_EVENT_TYPES = new Set(['order.paid', 'order.cancelled', 'order.refunded']);

/**
 * A data platform on 127.0.0.1 that checks every request as the real one would: the
 * X-Signature over the raw body with the shared secret, the Idempotency-Key equal to the
 * eventId, and the envelope's shape. A request that fails a check is answered 401 and counted;
 * the tests require that count to stay 0.
 */
export class DataPlatformReceiver {
  mode: ReceiverMode = { kind: 'accept' };
  /** Every request that reached the receiver, valid or not. */
  requests = 0;
  /** Requests whose signature, key or envelope was wrong. */
  rejected: string[] = [];
  /** Events answered 2xx (first copy kept), and how many 2xx answers each got. */
  readonly accepted = new Map<string, ReceivedEvent>();
  readonly acceptedCount = new Map<string, number>();
  /** Fired on every valid request, before the mode decides the answer. */
  onRequest: ((event: ReceivedEvent) => void) | undefined;
  private readonly pending = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
  ) {}

  static async start(secret: string): Promise<DataPlatformReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new DataPlatformReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/order-events`, secret);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => receiver.handle(req, res));
    return receiver;
  }

  get duplicates(): number {
    return [...this.acceptedCount.values()].reduce((sum, n) => sum + n - 1, 0);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const res of this.pending) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests += 1;
      const raw = Buffer.concat(chunks).toString('utf8');
      const event = this.verify(req, raw);
      if (!event) {
        res.writeHead(401).end();
        return;
      }
      this.onRequest?.(event);
      const mode = this.mode;
      if (mode.kind === 'accept') this.accept(event, res);
      else if (mode.kind === 'refuse') res.writeHead(mode.status).end('platform unavailable');
      else if (mode.kind === 'hang') this.pending.add(res);
      else {
        this.pending.add(res);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.pending.delete(res);
          if (!res.destroyed) this.accept(event, res);
        }, mode.delayMs);
        this.timers.add(timer);
      }
    });
  }

  private accept(event: ReceivedEvent, res: ServerResponse): void {
    if (!this.accepted.has(event.eventId)) this.accepted.set(event.eventId, event);
    this.acceptedCount.set(event.eventId, (this.acceptedCount.get(event.eventId) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  private verify(req: IncomingMessage, raw: string): ReceivedEvent | undefined {
    const reject = (why: string) => {
      this.rejected.push(why);
      return undefined;
    };
    if (req.method !== 'POST') return reject(`method ${req.method}`);
    if (req.headers['content-type'] !== 'application/json') return reject(`content-type ${String(req.headers['content-type'])}`);
    if (!verifySignatureHeader(this.secret, raw, req.headers['x-signature'] as string | undefined)) {
      return reject(`bad signature ${String(req.headers['x-signature'])}`);
    }
    let event: ReceivedEvent;
    try {
      event = JSON.parse(raw) as ReceivedEvent;
    } catch {
      return reject('body is not JSON');
    }
    if (req.headers['idempotency-key'] !== event.eventId) return reject(`idempotency-key ${String(req.headers['idempotency-key'])} for ${event.eventId}`);
    if (
      !ORDER_EVENT_TYPES.has(event.type) ||
      !Number.isSafeInteger(event.sequence) ||
      typeof event.data?.orderId !== 'number' ||
      Number.isNaN(Date.parse(event.occurredAt))
    ) {
      return reject(`malformed envelope ${raw.slice(0, 100)}`);
    }
    return event;
  }
}
