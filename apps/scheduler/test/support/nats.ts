import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export const NATS_URL = 'nats://127.0.0.1:4222';

/**
 * The NATS server with JetStream on 127.0.0.1:4222 that these tests need (`.ci/run` starts the
 * Debian nats-server when it is installed but not running). Without one the tests fail, saying so.
 */
export async function natsServer(): Promise<{ connection: NatsConnection; manager: JetStreamManager }> {
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: NATS_URL, timeout: 2_000, maxReconnectAttempts: 0 });
  } catch (error) {
    throw new Error(
      `These tests need a NATS server with JetStream on ${NATS_URL} and none answers (${(error as Error).message}). ` +
        'Install nats-server (Debian: apt-get install nats-server) and start it with ' +
        '`nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server`, or run `bash .ci/run`, which does.',
      { cause: error },
    );
  }
  try {
    const manager = await jetstreamManager(connection);
    return { connection, manager };
  } catch (error) {
    await connection.close();
    throw new Error(`The NATS server on ${NATS_URL} answers but has no JetStream (start it with -js): ${(error as Error).message}`, { cause: error });
  }
}

/** A stream name and subject prefix of this test's own, so tests never share subjects. */
export function uniqueStream(): { stream: string; subjectPrefix: string } {
  const id = randomBytes(5).toString('hex');
  return { stream: `TEST_EVENTS_${id}`, subjectPrefix: `test-${id}` };
}

/** Every message of a stream: its subject, its Nats-Msg-Id and its body. */
export async function messagesOf(manager: JetStreamManager, stream: string): Promise<{ subject: string; msgId: string | undefined; body: string }[]> {
  const info = await manager.streams.info(stream);
  const messages = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
    const message = await manager.streams.getMessage(stream, { seq });
    if (!message) continue;
    messages.push({ subject: message.subject, msgId: message.header?.get('Nats-Msg-Id'), body: message.string() });
  }
  return messages;
}
