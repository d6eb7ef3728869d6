import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signingKeysFrom, verifySignatureHeader } from '@storefront/adapters';

/**
 * A stand-in for the data platform on loopback. It answers 204 to every delivery it can verify
 * and 401 to any other (counted in `rejected`); with a secret it verifies `X-Signature` and,
 * when present, the Standard Webhooks `webhook-signature`. It keeps each event's first copy in
 * the order they were accepted, so a run can check that nothing was lost and that each order's
 * events arrived in order. `stop()` and `start()` take it off the port and back (the platform
 * down: connections refused), for fault runs.
 */
export interface EventReceiver {
  url: string;
  deliveries(): number;
  distinctEvents(): number;
  /** Every event accepted, first copy of each, in the order first accepted. */
  accepted(): ReceivedEvent[];
  /** Why each refused delivery was refused (bad signature, malformed envelope). */
  rejected(): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  isUp(): boolean;
  close(): Promise<void>;
}

interface ReceivedEvent {
  eventId: string;
  type: string;
  orderId: number | null;
  /** The envelope's `sequence`, when the service sends one. */
  sequence: number | null;
}

export async function startEventReceiver(options: { secret?: string } = {}): Promise<EventReceiver> {
  const firstCopies = new Map<string, ReceivedEvent>();
  const rejected: string[] = [];
  let deliveries = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries += 1;
      const raw = Buffer.concat(chunks).toString('utf8');
      const problem = options.secret === undefined ? null : signatureProblem(options.secret, req, raw);
      const event = parseEnvelope(raw);
      if (problem !== null || event === null) {
        rejected.push(problem ?? `malformed envelope: ${raw.slice(0, 80)}`);
        res.statusCode = 401;
        res.end();
        return;
      }
      if (!firstCopies.has(event.eventId)) firstCopies.set(event.eventId, event);
      res.statusCode = 204;
      res.end();
    });
  };

  let server: Server | null = null;
  let port = 0;
  const listen = async (): Promise<void> => {
    const next = createServer(handle);
    next.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const unlisten = async (): Promise<void> => {
    const current = server;
    server = null;
    if (!current) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}/events`,
    deliveries: () => deliveries,
    distinctEvents: () => firstCopies.size,
    accepted: () => [...firstCopies.values()],
    rejected: () => [...rejected],
    stop: unlisten,
    start: async () => {
      if (server === null) await listen();
    },
    isUp: () => server !== null,
    close: unlisten,
  };
}

function parseEnvelope(raw: string): ReceivedEvent | null {
  try {
    const body = JSON.parse(raw) as { eventId?: unknown; type?: unknown; sequence?: unknown; data?: { orderId?: unknown }; orderId?: unknown };
    if (typeof body.eventId !== 'string' || typeof body.type !== 'string') return null;
    const orderId = body.data?.orderId ?? body.orderId;
    return {
      eventId: body.eventId,
      type: body.type,
      orderId: typeof orderId === 'number' ? orderId : null,
      sequence: typeof body.sequence === 'number' ? body.sequence : null,
    };
  } catch {
    return null;
  }
}

/** Null when every signature the delivery carries verifies (and it carries at least one). */
function signatureProblem(secret: string, req: IncomingMessage, raw: string): string | null {
  const legacy = req.headers['x-signature'];
  const standard = req.headers['webhook-signature'];
  if (legacy === undefined && standard === undefined) return 'no signature';
  if (typeof legacy === 'string' && !verifyLegacy(secret, raw, legacy)) return `bad X-Signature ${legacy}`;
  if (typeof standard === 'string' && !verifyStandardWebhook(secret, req, raw, standard)) return `bad webhook-signature ${standard}`;
  return null;
}

/** `t=…,v1=…[,v1=…]`: one signature per secret during a rotation; ours must be among them. */
function verifyLegacy(secret: string, raw: string, header: string): boolean {
  return verifySignatureHeader(signingKeysFrom(secret), raw, header);
}

/** Standard Webhooks 1.0: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, several separated by spaces. */
function verifyStandardWebhook(secret: string, req: IncomingMessage, raw: string, header: string): boolean {
  const id = req.headers['webhook-id'];
  const timestamp = req.headers['webhook-timestamp'];
  if (typeof id !== 'string' || typeof timestamp !== 'string') return false;
  const [key] = signingKeysFrom(secret);
  const expected = createHmac('sha256', key!).update(`${id}.${timestamp}.${raw}`, 'utf8').digest();
  return header.split(' ').some((part) => {
    const [version, signature] = part.split(',');
    if (version !== 'v1' || signature === undefined) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
