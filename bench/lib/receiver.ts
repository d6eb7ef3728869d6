import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the data platform on loopback: accepts every event with 204 and counts the
 * distinct event ids it received (the relay delivers at least once, so duplicates may arrive).
 */
export interface EventReceiver {
  url: string;
  deliveries(): number;
  distinctEvents(): number;
  close(): Promise<void>;
}

export async function startEventReceiver(): Promise<EventReceiver> {
  const seen = new Set<string>();
  let deliveries = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries += 1;
      const key = req.headers['idempotency-key'];
      if (typeof key === 'string') seen.add(key);
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    deliveries: () => deliveries,
    distinctEvents: () => seen.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
