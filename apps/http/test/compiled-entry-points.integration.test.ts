/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- assertions read parsed YAML */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresServer, freshDatabaseUrl, freshEmptyDatabaseUrl, type FreshDatabaseRef } from '@storefront/adapters/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort, ROOT, startProcess, stopAll, waitForOk, waitForOutput, type Started } from './processes';

/*
 * What production runs, run here: `pnpm build`, then `node` on the compiled entry points (the
 * all-in-one start, the HTTP role, the scheduler role, migrations, the token command), each a
 * real process in its own group, stopped with SIGTERM and a deadline. No Docker engine runs
 * here, so the Dockerfile and compose file are checked for what can be checked without one:
 * the image's command is the compiled entry, and compose parses into the intended shape.
 */

const NODE = process.execPath;
const COMPILED = '--conditions=storefront-compiled';
const SECRET = 'a-production-secret-of-enough-length';
const entry = {
  all: 'dist/start-all.js',
  http: 'apps/http/dist/main.js',
  scheduler: 'apps/scheduler/dist/main.js',
  migrate: 'packages/adapters/dist/migrations/migrate.main.js',
  token: 'apps/http/dist/token.main.js',
};

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  await stopAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath) && /\.c?js$/.test(execPath)) return [NODE, [execPath]];
  return ['pnpm', []];
}

beforeAll(() => {
  const [command, prefix] = pnpmCommand();
  const build = spawnSync(command, [...prefix, 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (build.status !== 0) throw new Error(`pnpm build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
}, 320_000);

function node(file: string, env: Record<string, string | undefined>, args: string[] = []): Started {
  return startProcess(NODE, [COMPILED, file, ...args], { LOG_LEVEL: 'info', ...env });
}

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'storefront-compiled-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function database(empty = false): Promise<FreshDatabaseRef> {
  const ref = empty ? await freshEmptyDatabaseUrl() : await freshDatabaseUrl();
  cleanups.push(() => ref.drop());
  return ref;
}

/** The environment of a production process on PostgreSQL. */
const production = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  DATABASE_URL: databaseUrl,
  DATA_PLATFORM_URL: undefined,
  DATA_PLATFORM_SECRET: undefined,
  ...extra,
});

describe('the compiled build', () => {
  it('compiles every package and app, and the image runs those files with node', () => {
    for (const file of Object.values(entry)) expect(existsSync(join(ROOT, file)), file).toBe(true);
    const dockerfile = readFileSync(join(ROOT, 'infra/Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const runtime = stages.at(-1)!;
    // The final stage: production dependencies, compiled code, an unprivileged user, node as PID 1.
    expect(runtime).toMatch(/^COPY --from=production-dependencies /m);
    expect(runtime).not.toMatch(/^COPY --from=build \/app\/node_modules/m);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/NODE_OPTIONS=--conditions=storefront-compiled/);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? 'null') as string[];
    expect(cmd).toEqual(['node', entry.http]);
    expect(runtime).not.toMatch(/^(CMD|ENTRYPOINT).*\b(pnpm|tsx|npm)\b/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["node", "infra\/healthcheck\.mjs"\]$/m);
    expect(readFileSync(join(ROOT, 'infra/healthcheck.mjs'), 'utf8')).toMatch(/\/health\/ready/);
  });

  it('compose: one named image, PgBouncer in transaction mode before PostgreSQL, a health check on every service', () => {
    const compose = parse(readFileSync(join(ROOT, 'infra/compose.yaml'), 'utf8'), { merge: true });
    const services = compose.services as Record<string, Record<string, unknown> & { command?: string[]; environment?: Record<string, string> }>;
    const roles = ['migrate', 'http', 'scheduler'];
    for (const role of roles) {
      expect(services[role]?.image, role).toBe('storefront:local');
      const command = services[role]!.command!;
      expect(command[0], role).toBe('node');
      expect(existsSync(join(ROOT, command[1]!)), command[1]).toBe(true);
    }
    expect(services.http!.command![1]).toBe(entry.http);
    expect(services.scheduler!.command![1]).toBe(entry.scheduler);
    expect(services.migrate!.command![1]).toBe(entry.migrate);
    for (const role of ['http', 'scheduler']) {
      expect(new URL(services[role]!.environment!.DATABASE_URL!).host, role).toBe('pgbouncer:6432');
      expect((services[role]!.depends_on as Record<string, unknown>).pgbouncer).toEqual({ condition: 'service_healthy' });
    }
    for (const name of ['postgres', 'pgbouncer', 'http', 'scheduler', 'data-platform']) {
      expect((services[name]!.healthcheck as { test?: unknown } | undefined)?.test, name).toBeDefined();
    }
    expect(JSON.stringify(services.http!.healthcheck)).toMatch(/healthcheck\.mjs/);
    expect(JSON.stringify(services.scheduler!.healthcheck)).toMatch(/9464\/health\/ready/);
    const ini = readFileSync(join(ROOT, 'infra/pgbouncer/pgbouncer.ini'), 'utf8');
    expect(ini).toMatch(/^pool_mode = transaction$/m);
    expect(ini).toMatch(/^storefront = host=postgres port=5432/m);
  });

  it('pnpm start compiled: serves the API and /metrics on the embedded database, and stops on SIGTERM', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, PORT: String(port), NODE_ENV: undefined, JWT_SECRET: undefined, DATABASE_URL: undefined };
    const first = node(entry.all, env);
    await waitForOk(`${url}/health/ready`, first);
    await waitForOutput(first, /USER_TOKEN=\S+/);
    expect(((await (await fetch(`${url}/products`)).json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/products",status_code="200"\} 1/);
    expect(metrics).toMatch(/storefront_outbox_events\{status="pending"\} 0/);

    // A second process on the same DATA_DIR refuses, naming the first one's PID.
    const second = node(entry.all, { ...env, PORT: String(await freePort()) });
    const refused = await second.exited;
    expect(refused.code).toBe(1);
    expect(second.output()).toMatch(new RegExp(`already open in process ${first.pid}\\b`));
    expect(second.output()).not.toMatch(/\n\s+at /);

    // A crash leaves the lock file behind; the next start takes it over.
    await first.stop('SIGKILL');
    expect(existsSync(`${dataDir}/pglite.lock`)).toBe(true);
    const third = node(entry.all, env);
    await waitForOk(`${url}/health/ready`, third);
    const stoppedAt = Date.now();
    expect((await third.stop('SIGTERM')).code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    expect(existsSync(`${dataDir}/pglite.lock`)).toBe(false);
  }, 240_000);

  it('the HTTP role and the scheduler role compiled on PostgreSQL, migrated by the compiled db:migrate', async () => {
    const ref = await database(true);
    const migrate = node(entry.migrate, { DATABASE_URL: ref.url });
    expect((await migrate.exited).code).toBe(0);
    expect(migrate.output()).toMatch(/applied 0001-initial-schema/);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const http = node(entry.http, production(ref.url, { PORT: String(port), CORS_ORIGINS: 'https://shop.example' }));
    await waitForOk(`${url}/health/ready`, http);
    const issued = node(entry.token, { JWT_SECRET: SECRET }, ['--sub', '42', '--ttl', '10m']);
    expect((await issued.exited).code).toBe(0);
    const jwt = issued.output().trim();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const balance = await fetch(`${url}/users/42/balance`, { headers: { authorization: `bearer ${jwt}`, origin: 'https://shop.example' } });
    expect(balance.status).toBe(200);
    expect(balance.headers.get('cache-control')).toBe('no-store');
    expect(balance.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(balance.headers.get('ratelimit-limit')).toBe('1200');
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/docs');
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/storefront_db_pool_connections\{state="in_use"\} \d/);

    const metricsPort = await freePort();
    const scheduler = node(entry.scheduler, production(ref.url, { METRICS_PORT: String(metricsPort), DATA_DIR: tempDataDir() }));
    await waitForOk(`http://127.0.0.1:${metricsPort}/health/ready`, scheduler);
    const schedulerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(schedulerMetrics).toMatch(/storefront_outbox_oldest_pending_age_seconds 0/);
    expect(schedulerMetrics).toMatch(/nodejs_eventloop_lag_seconds/);
    await waitForOutput(scheduler, /DATA_PLATFORM_URL is not set/);

    expect((await http.stop()).code).toBe(0);
    expect((await scheduler.stop()).code).toBe(0);
    // Production prints no token, demo or otherwise.
    expect(http.output()).not.toMatch(/TOKEN|eyJ/);
  }, 240_000);

  it('production refuses the embedded database unless the operator opts in, and then prints no token', async () => {
    const base = { NODE_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: undefined, DATA_DIR: tempDataDir(), PORT: String(await freePort()) };
    const refused = node(entry.all, base);
    expect((await refused.exited).code).toBe(1);
    expect(refused.output()).toMatch(/DATABASE_URL is required when NODE_ENV=production.*ALLOW_EMBEDDED_IN_PRODUCTION=true/);

    const allowed = node(entry.all, { ...base, ALLOW_EMBEDDED_IN_PRODUCTION: 'true' });
    await waitForOk(`http://127.0.0.1:${base.PORT}/health/ready`, allowed);
    await waitForOutput(allowed, /DATA_PLATFORM_URL is not set: order events go to a local file/);
    expect((await allowed.stop()).code).toBe(0);
    expect(allowed.output()).not.toMatch(/TOKEN|eyJ/);
  });
});

describe('start-up failures: one line that says what to do, no stack', () => {
  const expectOneLine = (started: Started, pattern: RegExp) => {
    const lines = started.output().trim().split('\n');
    expect(lines, started.output()).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(lines[0]).not.toMatch(/"stack"|\bat \//);
  };

  it('a database that does not exist: createdb', async () => {
    const server = await findPostgresServer();
    const missing = new URL(server.adminUrl);
    missing.pathname = '/storefront_no_such_database';
    const started = node(entry.http, production(missing.toString(), { PORT: String(await freePort()) }));
    expect((await started.exited).code).toBe(1);
    expectOneLine(started, /does not exist on .*createdb -h \S+ -p \d+ .*storefront_no_such_database\), run pnpm db:migrate/);
  });

  it('a refused connection: is PostgreSQL running there?', async () => {
    const started = node(entry.http, production('postgres://postgres@127.0.0.1:1/storefront', { PORT: String(await freePort()) }));
    expect((await started.exited).code).toBe(1);
    expectOneLine(started, /Is PostgreSQL running at 127\.0\.0\.1:1\?/);
  });

  it('a port in use: set PORT (and METRICS_PORT for the scheduler)', async () => {
    const ref = await database();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    const port = String((holder.address() as { port: number }).port);
    const http = node(entry.http, production(ref.url, { PORT: port }));
    expect((await http.exited).code).toBe(1);
    expectOneLine(http, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use.*set PORT to a free port`));
    const scheduler = node(entry.scheduler, production(ref.url, { METRICS_PORT: port }));
    expect((await scheduler.exited).code).toBe(1);
    expectOneLine(scheduler, /set METRICS_PORT to a free port/);
  });

  it('a PORT that is not a port says what a port is', async () => {
    const started = node(entry.http, { PORT: 'abc', DATABASE_URL: undefined, NODE_ENV: undefined });
    expect((await started.exited).code).toBe(1);
    expect(started.output()).toMatch(/PORT: PORT must be a port number from 0 to 65535, such as 3000/);
    expect(started.output()).not.toMatch(/NaN/);
  });
});
