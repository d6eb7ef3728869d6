import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { envelopeBody, type DataPlatformClient, type DeliveryOutcome, type OrderEventEnvelope } from '@storefront/application';

export interface JetStreamDataPlatformOptions {
  /** `nats://host:port`. */
  url: string;
  /** DATA_PLATFORM_STREAM: created if missing, over `<subjectPrefix>.>`. */
  stream: string;
  /** Events go to `<subjectPrefix>.<type>`; `storefront` unless a test keeps its own subjects. */
  subjectPrefix?: string;
  /** How long to wait for the connection and for each publish acknowledgement. */
  timeoutMs: number;
}

interface Connected {
  connection: NatsConnection;
  js: JetStreamClient;
}

/**
 * Delivers order events to a NATS JetStream stream: each event is published to
 * `storefront.<type>` with the header `Nats-Msg-Id: <eventId>`, so the stream drops a
 * duplicate of an event the relay publishes again (after a crash before it recorded the
 * acknowledgement); the publish acknowledgement is the delivery. The connection is opened on
 * the first delivery and kept, and the stream is created then if it does not exist.
 */
export class JetStreamDataPlatformClient implements DataPlatformClient {
  private connected: Promise<Connected> | undefined;
  private readonly subjectPrefix: string;

  constructor(private readonly options: JetStreamDataPlatformOptions) {
    this.subjectPrefix = options.subjectPrefix ?? 'storefront';
  }

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    try {
      const { js } = await this.connect();
      await js.publish(`${this.subjectPrefix}.${envelope.type}`, envelopeBody(envelope), {
        msgID: envelope.eventId,
        timeout: this.options.timeoutMs,
        // Only our stream's acknowledgement counts as delivered.
        expect: { streamName: this.options.stream },
      });
      return { delivered: true };
    } catch (error) {
      return { delivered: false, reason: `JetStream: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async close(): Promise<void> {
    const connected = await this.connected?.catch(() => undefined);
    this.connected = undefined;
    await connected?.connection.close();
  }

  private connect(): Promise<Connected> {
    this.connected ??= this.open().catch((error: unknown) => {
      // The next delivery tries afresh.
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  private async open(): Promise<Connected> {
    const connection = await connect({
      servers: this.options.url,
      timeout: this.options.timeoutMs,
      // The client reconnects by itself while the server is away; publishes fail meanwhile.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
    });
    try {
      const manager = await jetstreamManager(connection, { timeout: this.options.timeoutMs });
      try {
        await manager.streams.info(this.options.stream);
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
        await manager.streams.add({ name: this.options.stream, subjects: [`${this.subjectPrefix}.>`] });
      }
      void connection.closed().then(() => {
        this.connected = undefined;
      });
      return { connection, js: jetstream(connection, { timeout: this.options.timeoutMs }) };
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
}
