/*
 * A relay in a process of its own publishing to JetStream, for the kill test. After each publish
 * is acknowledged it prints "acked <eventId>" and then never returns, as a relay killed between
 * the acknowledgement and recording it would: the parent kills it once it has seen acks.
 */
import type { OrderEventEnvelope } from '@storefront/application';
import { JetStreamDataPlatformClient, openDatabase } from '@storefront/adapters';
import { fastPolicy, relayLoopOf } from './relay';

const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 });
const jetStream = new JetStreamDataPlatformClient({
  url: process.env.NATS_URL!,
  stream: process.env.STREAM!,
  subjectPrefix: process.env.SUBJECT_PREFIX!,
  timeoutMs: 5_000,
});
const publishThenHang = {
  async deliver(envelope: OrderEventEnvelope) {
    const outcome = await jetStream.deliver(envelope);
    if (outcome.delivered) process.stdout.write(`acked ${envelope.eventId}\n`);
    return new Promise<never>(() => {});
  },
};
const policy = { ...fastPolicy, batchSize: 10, leaseMs: Number(process.env.LEASE_MS) };
relayLoopOf(database, { dataPlatform: publishThenHang, policy }).start();
