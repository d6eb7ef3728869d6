import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { signingKeysFrom, verifySignatureHeader } from '@storefront/adapters';

/**
 * How the fake data platform behaves: accepting, refusing with a status, never answering, or
 * answering 200 only after a delay (a slow platform, to catch a relay mid-batch).
 */
export type ReceiverMode =
  | { kind: 'accept' }
  | { kind: 'refuse'; status: number; retryAfterS?: number }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number };

export interface ReceivedEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  sequence: number;
  data: { orderId: number; [key: string]: unknown };
}

const ORDER_EVENT_TYPES = new Set(['order.paid', 'order.cancelled', 'order.refunded']);

/**
 * A data platform on 127.0.0.1 that checks every request as a real one would: the Standard
 * Webhooks signature with the `standardwebhooks` library and the X-Signature of the first
 * version, each with any of the secrets it currently trusts (`secrets`, changed by rotation
 * tests), the Idempotency-Key equal to the eventId, and the envelope's shape. A request that fails
 * a check is answered 401 and counted; the tests require that count to stay 0.
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
  /** Picks events to refuse with 503 whatever the mode (one order's event, say); answers whether to refuse. */
  refuseWhen: ((event: ReceivedEvent) => boolean) | undefined;
  /** Accepted events in the order their 2xx went out (first copies only). */
  readonly acceptedInOrder: ReceivedEvent[] = [];
  /** The secrets the receiver trusts now (whsec_ form). */
  secrets: string[];
  private readonly pending = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    secrets: string[],
  ) {
    this.secrets = secrets;
  }

  static async start(...secrets: string[]): Promise<DataPlatformReceiver> {
    const server = createServer();
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new DataPlatformReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/order-events`, secrets);
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
      if (this.refuseWhen?.(event) === true) res.writeHead(503).end('not this one');
      else if (mode.kind === 'accept') this.accept(event, res);
      else if (mode.kind === 'refuse') {
        res.writeHead(mode.status, mode.retryAfterS === undefined ? {} : { 'retry-after': String(mode.retryAfterS) }).end('platform unavailable');
      }
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
    if (!this.accepted.has(event.eventId)) {
      this.accepted.set(event.eventId, event);
      this.acceptedInOrder.push(event);
    }
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
    const headers = req.headers as Record<string, string>;
    let event: ReceivedEvent | undefined;
    for (const secret of this.secrets) {
      try {
        event = new Webhook(secret).verify(raw, headers) as ReceivedEvent;
        break;
      } catch {
        // Not signed with this one; try the next.
      }
    }
    if (!event) return reject(`no webhook-signature verifies with the trusted secrets: ${String(req.headers['webhook-signature'])}`);
    if (!verifySignatureHeader(signingKeysFrom(this.secrets.join(',')), raw, req.headers['x-signature'] as string | undefined)) {
      return reject(`bad signature ${String(req.headers['x-signature'])}`);
    }
    if (req.headers['webhook-id'] !== event.eventId) return reject(`webhook-id ${String(req.headers['webhook-id'])} for ${event.eventId}`);
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
