import pg from 'pg';

/**
 * Finds the PostgreSQL that integration tests run against, in the order docs/architecture.md#tests gives:
 * TEST_DATABASE_URL; else a testcontainers PostgreSQL when a Docker engine answers; else the
 * server on 127.0.0.1:5432 (user postgres); else an error saying how to get one.
 */
export interface PostgresServer {
  /** A URL of a maintenance database on the server, with the right to CREATE DATABASE. */
  adminUrl: string;
  source: 'TEST_DATABASE_URL' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DOCKER_PROBE_TIMEOUT_MS = 3_000;
const POSTGRES_IMAGE = 'postgres:15-alpine';

export async function findPostgresServer(env: NodeJS.ProcessEnv = process.env): Promise<PostgresServer> {
  const configured = env.TEST_DATABASE_URL?.trim();
  if (configured) {
    await assertReachable(configured, 'TEST_DATABASE_URL');
    return { adminUrl: configured, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  const container = await startContainerIfDockerAnswers();
  if (container) return container;
  const problem = await reachability(LOCAL_URL);
  if (problem === null) return { adminUrl: LOCAL_URL, source: 'local', stop: async () => {} };
  throw new Error(
    'Integration tests need PostgreSQL (15 or later) and found none:\n' +
      '  - TEST_DATABASE_URL is not set;\n' +
      '  - no Docker engine answered, so testcontainers could not start one;\n' +
      `  - nothing usable on 127.0.0.1:5432 as user postgres (${problem}).\n` +
      'Set TEST_DATABASE_URL=postgres://user:password@host:port/db (a role that may CREATE DATABASE), ' +
      'start Docker, or run a local PostgreSQL with trust auth for user postgres.',
  );
}

async function startContainerIfDockerAnswers(): Promise<PostgresServer | null> {
  let runtimeAnswers: boolean;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    // Probing must never hang a test run where only the docker CLI exists.
    runtimeAnswers = await withTimeout(
      getContainerRuntimeClient().then(() => true),
      DOCKER_PROBE_TIMEOUT_MS,
      false,
    );
  } catch {
    runtimeAnswers = false;
  }
  if (!runtimeAnswers) return null;
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=300'])
    .start();
  return { adminUrl: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
}

async function assertReachable(url: string, what: string): Promise<void> {
  const problem = await reachability(url);
  if (problem !== null) throw new Error(`${what} does not answer: ${problem}`);
}

/** null when a connection and a trivial query succeed; otherwise why not. */
async function reachability(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  return Promise.race([promise.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}
