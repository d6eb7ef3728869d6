import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { envelopeBody, type DataPlatformClient, type DeliveryOutcome, type OrderEventEnvelope } from '@storefront/application';

/**
 * The data platform of a development machine: with no DATA_PLATFORM_URL, every event is
 * appended to a JSONL file, one envelope per line, the same envelope the HTTP client sends.
 */
export class JsonlFileSink implements DataPlatformClient {
  private directoryReady: Promise<unknown> | undefined;
  /** Appends one after another, so concurrent deliveries never interleave their lines. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    const line = `${envelopeBody(envelope)}\n`;
    const write = this.tail.then(async () => {
      this.directoryReady ??= mkdir(dirname(this.path), { recursive: true });
      await this.directoryReady;
      await appendFile(this.path, line, 'utf8');
    });
    this.tail = write.catch(() => undefined);
    try {
      await write;
      return { delivered: true };
    } catch (error) {
      this.directoryReady = undefined;
      return { delivered: false, reason: `cannot write ${this.path}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
