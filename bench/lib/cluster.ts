import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A PostgreSQL 15 cluster of our own (Debian's pg_createcluster), on a free loopback port in
 * 5400..5499 with trust authentication: outage tests and the chaos run restart and stop it at
 * will, which must never happen to the shared server on 5432. Needs root (or the postgres user)
 * and postgresql-common; `drop()` removes it, data and all.
 */
export interface OwnCluster {
  name: string;
  port: number;
  /** A connection URL for `database` on this cluster. */
  url(database: string): string;
  createDatabase(database: string): Promise<void>;
  start(): Promise<void>;
  /** `fast` rolls back open transactions and disconnects; `immediate` is a crash (recovery on start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  drop(): Promise<void>;
}

const VERSION = '15';
const PREFIX = 'sf_fault_';
const COMMAND_TIMEOUT_MS = 60_000;

const ctl = (...args: string[]) => run('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, ...args], { timeout: COMMAND_TIMEOUT_MS });

/** True when Debian's postgresql-common (pg_createcluster and friends) is installed and we are root. */
export async function canCreateClusters(): Promise<boolean> {
  try {
    await run('pg_lsclusters', ['--help'], { timeout: 10_000 });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Clusters of ours whose creating process is gone: a run that was killed before its cleanup. */
async function dropLeftovers(): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['--no-header'], { timeout: COMMAND_TIMEOUT_MS });
  for (const line of stdout.split('\n')) {
    const [version, name] = line.trim().split(/\s+/);
    const pid = Number(name?.startsWith(PREFIX) ? name.slice(PREFIX.length).split('_')[0] : NaN);
    if (version === VERSION && name && Number.isInteger(pid) && !alive(pid)) {
      await run('pg_dropcluster', ['--stop', VERSION, name], { timeout: COMMAND_TIMEOUT_MS }).catch(() => undefined);
    }
  }
}

async function waitUntilAccepting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not accept connections within ${timeoutMs} ms`, { cause: error });
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Creates and starts a cluster. `fsync=off` spares the shared disk: a stop, even `immediate`,
 * is a crash of PostgreSQL, not of the machine, so committed data still survives it.
 */
export async function createOwnCluster(purpose: string): Promise<OwnCluster> {
  await dropLeftovers();
  const name = `${PREFIX}${process.pid}_${purpose.replace(/[^a-z0-9]/g, '')}`;
  let port = 0;
  for (let candidate = 5400 + Math.floor(Math.random() * 100), tries = 0; tries < 100; candidate = 5400 + ((candidate - 5400 + 1) % 100), tries++) {
    if (await portIsFree(candidate)) {
      port = candidate;
      break;
    }
  }
  if (port === 0) throw new Error('no free port in 5400..5499 for a PostgreSQL cluster');
  const settings = ['listen_addresses=localhost', 'max_connections=100', 'fsync=off', 'full_page_writes=off', 'shared_buffers=64MB'];
  await run(
    'pg_createcluster',
    [VERSION, name, '--port', String(port), ...settings.flatMap((s) => ['-o', s]), '--', '--auth=trust', '--no-sync'],
    { timeout: COMMAND_TIMEOUT_MS },
  );
  const cluster: OwnCluster = {
    name,
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(database) {
      const client = new pg.Client({ connectionString: cluster.url('postgres') });
      await client.connect();
      try {
        await client.query(`create database "${database.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
    },
    async start() {
      await ctl(name, 'start');
      await waitUntilAccepting(port, 30_000);
    },
    async stop(mode = 'fast') {
      await ctl(name, 'stop', '-m', mode);
    },
    async restart(mode = 'fast') {
      await ctl(name, 'restart', '-m', mode);
      await waitUntilAccepting(port, 30_000);
    },
    async drop() {
      await run('pg_dropcluster', ['--stop', VERSION, name], { timeout: COMMAND_TIMEOUT_MS });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await cluster.drop().catch(() => undefined);
    throw error;
  }
  return cluster;
}
