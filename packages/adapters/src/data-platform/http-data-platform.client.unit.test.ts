import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderEventEnvelope } from '@storefront/application';
import { HttpDataPlatformClient, retryAfterOf } from './http-data-platform.client';
import { signingKeysFrom, verifySignatureHeader } from './webhook.signature';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const envelope: OrderEventEnvelope = {
  eventId: '0b7e7a4c-7d7e-4a63-9d0e-3c1c2f7f9a11',
  type: 'order.paid',
  occurredAt: '2026-11-24T09:00:00.000Z',
  sequence: 42,
  data: {
    orderId: 7,
    userId: 1,
    status: 'PAID',
    items: [],
    totalAmount: 1000,
    discountAmount: 0,
    paidAmount: 1000,
    refundedAmount: 0,
    userCouponId: null,
    refunds: [],
    createdAt: '2026-11-24T09:00:00.000Z',
    cancelledAt: null,
  },
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
async function receiver(respond: (res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
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
  it('POSTs the envelope once serialised, signed per Standard Webhooks and the first version, and 2xx is delivered', async () => {
    const { url, received } = await receiver((res) => res.writeHead(202).end());
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 2_000 });

    await expect(client.deliver(envelope)).resolves.toEqual({ delivered: true, httpStatus: 202 });

    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual(envelope);
    expect(Object.keys(JSON.parse(request.body) as object)).toEqual(['eventId', 'type', 'occurredAt', 'sequence', 'data']);
    // The specification's own library accepts it.
    expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toEqual(envelope);
    expect(request.headers['webhook-id']).toBe(envelope.eventId);
    expect(request.headers['idempotency-key']).toBe(envelope.eventId);
    const t = Number(request.headers['webhook-timestamp']);
    expect(request.headers['x-signature']).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
    expect(verifySignatureHeader(signingKeysFrom(secret), request.body, request.headers['x-signature'] as string)).toBe(true);
  });

  it('signs with every secret while several are set, so a receiver on either one accepts', async () => {
    const { url, received } = await receiver((res) => res.writeHead(200).end());
    const next = 'whsec_bmV4dC1zZWNyZXQtb2YtdGhlLXBsYXRmb3Jt';
    await new HttpDataPlatformClient({ url, secret: `${next},${secret}`, timeoutMs: 2_000 }).deliver(envelope);
    const [request] = received as [Received];
    const headers = request.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(next).verify(request.body, headers)).toEqual(envelope);
    expect(new Webhook(secret).verify(request.body, headers)).toEqual(envelope);
    expect(() => new Webhook('whsec_c29tZW9uZS1lbHNl').verify(request.body, headers)).toThrow();
    expect(headers['x-signature']!.match(/v1=/g)).toHaveLength(2);
  });

  it('answers a non-2xx as a failed delivery with the status, the start of the body and Retry-After', async () => {
    const { url } = await receiver((res) => res.writeHead(503, { 'retry-after': '120' }).end('maintenance'));
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 2_000 });
    await expect(client.deliver(envelope)).resolves.toEqual({ delivered: false, reason: 'HTTP 503: maintenance', httpStatus: 503, retryAfterMs: 120_000 });
  });

  it('reads at most a few KB of a failed delivery’s answer, however large the body', async () => {
    let written = 0;
    let finished = false;
    const { url } = await receiver((res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        // 100 MB at most, as fast as the client takes it.
        while (written < 100 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        finished = true;
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 10_000 });
    const outcome = await client.deliver(envelope);
    expect(outcome).toMatchObject({ delivered: false, httpStatus: 502 });
    expect(outcome.delivered === false && outcome.reason).toMatch(/^HTTP 502: x{200}$/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(finished).toBe(false);
    // What the socket buffers took before the client hung up: far from 100 MB.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('does not follow a redirect: a 3xx is a failure and the target never sees the event', async () => {
    const { url, received } = await receiver((res) => res.writeHead(307, { location: '/elsewhere' }).end());
    const client = new HttpDataPlatformClient({ url, secret, timeoutMs: 2_000 });
    const outcome = await client.deliver(envelope);
    expect(outcome).toEqual({ delivered: false, reason: 'HTTP 307', httpStatus: 307 });
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

describe('retryAfterOf', () => {
  const now = new Date('2026-11-24T09:00:00.000Z');
  it('reads delay-seconds and HTTP dates, and ignores anything else', () => {
    expect(retryAfterOf('30', now)).toBe(30_000);
    expect(retryAfterOf('Tue, 24 Nov 2026 09:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterOf('Tue, 24 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(retryAfterOf('soon', now)).toBeUndefined();
    expect(retryAfterOf(null, now)).toBeUndefined();
    expect(retryAfterOf('99999999', now)).toBe(24 * 3_600_000);
  });
});
