import { envelopeBody, type DataPlatformClient, type DeliveryOutcome, type OrderEventEnvelope } from '@storefront/application';
import { signatureHeader, signingKeysFrom, standardWebhookSignature } from './signature';

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
 */
export class HttpDataPlatformClient implements DataPlatformClient {
  private readonly now: () => Date;
  private readonly keys: Buffer[];

  constructor(private readonly options: HttpDataPlatformOptions) {
    this.now = options.now ?? (() => new Date());
    this.keys = signingKeysFrom(options.secret);
  }

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    // Serialised once: the signatures cover exactly the bytes sent.
    const body = envelopeBody(envelope);
    const t = Math.floor(this.now().getTime() / 1000);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': envelope.eventId,
          'webhook-timestamp': String(t),
          'webhook-signature': standardWebhookSignature(this.keys, envelope.eventId, t, body),
          'idempotency-key': envelope.eventId,
          'x-signature': signatureHeader(this.keys, body, t),
        },
        body,
        // A redirect could carry a signed event somewhere else; it counts as a failure.
        redirect: 'manual',
        // Covers connecting, the headers and the body: a hanging platform cannot stall the relay.
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const httpStatus = response.status;
      if (httpStatus >= 200 && httpStatus < 300) {
        await response.body?.cancel().catch(() => undefined);
        return { delivered: true, httpStatus };
      }
      const text = await readAtMost(response, MAX_RESPONSE_BYTES);
      const retryAfterMs = retryAfterOf(response.headers.get('retry-after'), this.now());
      return {
        delivered: false,
        reason: `HTTP ${httpStatus}${text ? `: ${text.slice(0, 200)}` : ''}`,
        httpStatus,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } catch (error) {
      return { delivered: false, reason: describeFailure(error, this.options.timeoutMs) };
    }
  }
}

/**
 * The first `maxBytes` of a response body as text, then the stream is cancelled: a receiver
 * answering 502 with 100 MB costs us 4 KB, not 100 MB of memory.
 */
async function readAtMost(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short still leaves the status to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
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

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
