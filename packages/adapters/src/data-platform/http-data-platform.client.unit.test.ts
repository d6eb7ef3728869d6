import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderEventEnvelope } from '@storefront/application';
import { HttpDataPlatformClient } from './http-data-platform.client';
import { verifySignatureHeader } from './signature';

const secret = 'platform-secret';
const envelope: OrderEventEnvelope = {
  eventId: '0b7e7a4c-7d7e-4a63-9d0e-3c1c2f7f9a11',
  type: 'order.paid',
  occurredAt: '2026-11-24T09:00:00.000Z',
  sequence: 7,
  data: { orderId: 7, userId: 1, status: 'PAID', items: [], totalAmount: 1000, createdAt: '2026-11-24T09:00:00.000Z' },
};

interface Received {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A loopback receiver answering every request with `respond`, recording what it got. */
async function receiver(respond: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, received };
}

describe('HttpDataPlatformClient', () => {
  it('POSTs the envelope once serialised, with Idempotency-Key and a valid signature, and 2xx is delivered', async () => {
    const { url, received } = await receiver((res) => res.writeHead(202).end());
    const now = new Date('2026-11-24T09:00:05.900Z');
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 2_000, now: () => now });

    await expect(client.deliver(envelope)).resolves.toEqual({ delivered: true });

    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(envelope.eventId);
    expect(JSON.parse(request.body)).toEqual(envelope);
    expect(Object.keys(JSON.parse(request.body) as object)).toEqual(['eventId', 'type', 'occurredAt', 'sequence', 'data']);
    const t = Math.floor(now.getTime() / 1000);
    expect(request.headers['x-signature']).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
    expect(verifySignatureHeader(secret, request.body, request.headers['x-signature'] as string, { nowS: t })).toBe(true);
  });

  it('answers a non-2xx as a failed delivery with the status', async () => {
    const { url } = await receiver((res) => res.writeHead(503).end('maintenance'));
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 2_000 });
    await expect(client.deliver(envelope)).resolves.toEqual({ delivered: false, reason: 'HTTP 503: maintenance' });
  });

  it('does not follow a redirect: a 3xx is a failure and the target never sees the event', async () => {
    const { url, received } = await receiver((res) => res.writeHead(307, { location: '/elsewhere' }).end());
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 2_000 });
    const outcome = await client.deliver(envelope);
    expect(outcome).toEqual({ delivered: false, reason: 'HTTP 307' });
    expect(received).toHaveLength(1);
  });

  it('gives up on a platform that does not answer within the timeout', async () => {
    const { url } = await receiver(() => {
      /* never answers */
    });
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 200 });
    const started = Date.now();
    await expect(client.deliver(envelope)).resolves.toEqual({ delivered: false, reason: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers a refused connection as a failed delivery', async () => {
    const { url } = await receiver((res) => res.end());
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 1_000 });
    const outcome = await client.deliver(envelope);
    expect(outcome.delivered).toBe(false);
    expect(outcome.delivered === false && outcome.reason).toMatch(/ECONNREFUSED/);
  });
});
