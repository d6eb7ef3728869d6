import { createSecretKey } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { envelopeBody, type DataPlatformClient, type DeliveryOutcome, type OrderEventEnvelope } from '@storefront/application';
import { signatureHeader, signingKeysFrom, standardWebhookSignature, type SigningKey } from './webhook.signature';

export interface HttpDataPlatformOptions {
  url: string;
  /** DATA_PLATFORM_SECRET: one secret or several, comma separated, newest first. */
  secret: string;
  /** A platform that does not answer within this is a failed delivery, retried later. */
  timeoutMs: number;
  /** Injected for tests of the signature; the wall clock otherwise. */
  now?: () => Date;
}

/** Of a failed delivery's answer, this much is read for the log; the rest is never downloaded. */
export const MAX_RESPONSE_BYTES = 4_096;
/** A Retry-After further away than this is taken as this (the relay caps it again). */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Delivers order events to the data platform over HTTP, signed per Standard Webhooks 1.0
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and, for receivers of the first
 * version, with `X-Signature` and `Idempotency-Key`. Every failure (non-2xx, a redirect, a
 * timeout, a refused connection) is answered as an outcome, never thrown, so the relay can
 * schedule the retry.
 *
 * node:http with a keep-alive agent rather than fetch: a relay pass sends a whole batch at once,
 * and on a busy machine fetch's per-request overhead alone kept the relay under 2,000 events/s.
 * Redirects are never followed (a redirect could carry a signed event elsewhere).
 */
export class HttpDataPlatformClient implements DataPlatformClient {
  private readonly now: () => Date;
  private readonly keys: SigningKey[];
  private readonly target: URL;
  private readonly agent: http.Agent;

  constructor(private readonly options: HttpDataPlatformOptions) {
    this.now = options.now ?? (() => new Date());
    this.keys = signingKeysFrom(options.secret).map((key) => createSecretKey(key));
    this.target = new URL(options.url);
    this.agent = this.target.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 128 }) : new http.Agent({ keepAlive: true, maxSockets: 128 });
  }

  deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    // Serialised once: the signatures cover exactly the bytes sent.
    const body = envelopeBody(envelope);
    const t = Math.floor(this.now().getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'webhook-id': envelope.eventId,
      'webhook-timestamp': String(t),
      'webhook-signature': standardWebhookSignature(this.keys, envelope.eventId, t, body),
      'idempotency-key': envelope.eventId,
      'x-signature': signatureHeader(this.keys, body, t),
    };
    return new Promise<DeliveryOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: DeliveryOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const send = this.target.protocol === 'https:' ? https.request : http.request;
      const request = send(this.target, { method: 'POST', agent: this.agent, headers }, (response) => {
        const httpStatus = response.statusCode ?? 0;
        const delivered = httpStatus >= 200 && httpStatus < 300;
        if (delivered) finish({ delivered: true, httpStatus });
        // Of any answer, at most MAX_RESPONSE_BYTES are read; a longer body costs the connection.
        const chunks: Buffer[] = [];
        let size = 0;
        const failed = (): void => {
          if (delivered) return;
          const text = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
          const retryAfterMs = retryAfterOf(headerValue(response.headers['retry-after']), this.now());
          finish({
            delivered: false,
            reason: `HTTP ${httpStatus}${text ? `: ${text.slice(0, 200)}` : ''}`,
            httpStatus,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_RESPONSE_BYTES) {
            failed();
            response.destroy();
          }
        });
        response.on('end', failed);
        response.on('close', failed);
        response.on('error', failed);
      });
      // Covers connecting, the headers and the body: a hanging platform cannot stall the relay.
      const timer = setTimeout(() => {
        finish({ delivered: false, reason: `no answer within ${this.options.timeoutMs} ms` });
        request.destroy();
      }, this.options.timeoutMs);
      request.on('error', (error) => finish({ delivered: false, reason: describeFailure(error) }));
      request.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110), in milliseconds from now. */
export function retryAfterOf(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
