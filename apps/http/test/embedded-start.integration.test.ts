import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresServer } from '@storefront/adapters/testing';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * Smoke test of `pnpm start` as an operator runs it: a real process on a fresh embedded
 * database, polled until ready, called, then stopped with SIGTERM.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(env: Record<string, string | undefined>): Started {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  // tsx as a loader of this node, not its CLI: the CLI relays signals through a parent process
  // that, on a busy machine, may die of the SIGTERM itself before the service has drained.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-all.ts'], { cwd: ROOT, env: childEnv });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitReady(url: string, started: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`exited early:\n${started.output()}`);
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${started.output()}`);
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('pnpm start (embedded)', () => {
  it('migrates, seeds, prints demo tokens, serves the API, and stops promptly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'storefront-smoke-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: undefined, NODE_ENV: undefined, JWT_SECRET: undefined });
    cleanups.push(async () => {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
    });

    await waitReady(url, started, 60_000);
    // The banner is printed right after listening.
    for (let i = 0; i < 50 && !/USER_TOKEN=/.test(started.output()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const userToken = /USER_TOKEN=(\S+)/.exec(started.output())?.[1];
    expect(userToken).toBeDefined();
    expect(started.output()).toMatch(/ADMIN_TOKEN=\S+/);
    expect(started.output()).toMatch(/curl /);

    const products = (await (await fetch(`${url}/products`)).json()) as { items: unknown[] };
    expect(products.items.length).toBeGreaterThanOrEqual(3);
    const coupon = await fetch(`${url}/coupons/1`);
    expect(coupon.status).toBe(200);
    const charged = await fetch(`${url}/users/1/balance/charge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json', 'idempotency-key': 'smoke' },
      body: JSON.stringify({ amount: 1000 }),
    });
    expect(charged.status).toBe(200);

    const stoppedAt = Date.now();
    started.child.kill('SIGTERM');
    const exit = await started.exited;
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(exit.code).toBe(0);
  });

  it('with a DATABASE_URL whose schema is missing, refuses to start with a clear message', async () => {
    const server = await findPostgresServer();
    const port = await freePort();
    const started = start({
      DATABASE_URL: server.adminUrl,
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-enough-length',
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    const exit = await started.exited;
    expect(exit.code).not.toBe(0);
    expect(started.output()).toMatch(/pnpm db:migrate/);
  });

  it('in production without JWT_SECRET, refuses to start naming the variable', async () => {
    const started = start({ NODE_ENV: 'production', JWT_SECRET: undefined, DATABASE_URL: undefined });
    const exit = await started.exited;
    expect(exit.code).toBe(1);
    expect(started.output()).toMatch(/JWT_SECRET/);
  });
});
