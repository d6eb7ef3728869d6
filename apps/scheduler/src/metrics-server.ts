import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** Where it listens, e.g. http://127.0.0.1:9464. */
  url: string;
  close(): Promise<void>;
}

/**
 * The scheduler role has no API, so its figures get a port of their own (METRICS_PORT):
 * `GET /metrics` for Prometheus, and `/health/live` and `/health/ready` (the database answers)
 * for the container's health check.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
  ready: () => Promise<boolean>;
}): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'text/plain', 'GET only\n');
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => answer(200, options.registry.contentType, text),
        () => answer(500, 'text/plain', 'metrics unavailable\n'),
      );
      return;
    }
    if (path === '/health/live') return answer(200, 'application/json', '{"status":"ok"}');
    if (path === '/health/ready') {
      options.ready().then(
        (ok) => answer(ok ? 200 : 503, 'application/json', ok ? '{"status":"ok"}' : '{"status":"unavailable"}'),
        () => answer(503, 'application/json', '{"status":"unavailable"}'),
      );
      return;
    }
    answer(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
