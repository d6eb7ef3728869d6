import type { DataPlatformClient, DeliveryOutcome, OrderEventEnvelope } from '@storefront/application';
import { signatureHeader } from './signature';

export interface HttpDataPlatformOptions {
  url: string;
  secret: string;
  /** A platform that does not answer within this is a failed delivery, retried later. */
  timeoutMs: number;
  /** Injected for tests of the signature; the wall clock otherwise. */
  now?: () => Date;
}

/**
 * Delivers order events to the data platform over HTTP, signed as API.md describes. Every
 * failure (non-2xx, a redirect, a timeout, a refused connection) is answered as an outcome,
 * never thrown, so the relay can schedule the retry.
 */
export class HttpDataPlatformClient implements DataPlatformClient {
  private readonly now: () => Date;

  constructor(private readonly options: HttpDataPlatformOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    // Serialised once: the signature covers exactly the bytes sent.
    const body = JSON.stringify({
      eventId: envelope.eventId,
      type: envelope.type,
      occurredAt: envelope.occurredAt,
      sequence: envelope.sequence,
      data: envelope.data,
    });
    const t = Math.floor(this.now().getTime() / 1000);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': envelope.eventId,
          'x-signature': signatureHeader(this.options.secret, body, t),
        },
        body,
        // A redirect could carry a signed event somewhere else; it counts as a failure.
        redirect: 'manual',
        // Covers connecting, the headers and the body: a hanging platform cannot stall the relay.
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text().catch(() => '');
      if (response.status >= 200 && response.status < 300) return { delivered: true };
      return { delivered: false, reason: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
    } catch (error) {
      return { delivered: false, reason: describeFailure(error, this.options.timeoutMs) };
    }
  }
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
