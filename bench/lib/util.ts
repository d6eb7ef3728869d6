import { createServer } from 'node:net';
import type { LoadMeasurement } from './load';

export const log = (message: string): void => {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Runs a command's `main`: its answer is the exit code; a throw is logged with its stack and exits 1. */
export function runMain(main: () => Promise<number>, logLine: (message: string) => void = log): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      logLine(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    },
  );
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const describeLoad = (m: LoadMeasurement): string =>
  `${m.requests} answers in ${m.seconds.toFixed(1)} s: ${Object.entries(m.statuses)
    .sort()
    .map(([k, v]) => `${k} × ${v}`)
    .join(', ')}${m.socketErrors > 0 ? `, socket errors × ${m.socketErrors}` : ''}${m.timeouts > 0 ? `, timeouts × ${m.timeouts}` : ''}${
    m.stoppedByTime ? ' (stopped by the time bound)' : ''
  }`;
