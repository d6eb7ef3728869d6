/*
 * `pnpm bench` / `pnpm bench --quick`: the hot paths of the service, each side by side with its
 * own ceiling measured in the same run on the same machine (issue 7).
 *
 * 1. A fresh database `bench_<timestamp>` on 127.0.0.1:5432, migrated with `pnpm db:migrate` and
 *    seeded with SQL; a copy of it (`…_sql`, CREATE DATABASE … TEMPLATE) for pgbench, so the
 *    ceilings never touch the rows the invariant checker judges.
 * 2. A data-platform receiver on loopback, then the service as production runs it:
 *    `scripts/start-all.ts` (HTTP + relay) with NODE_ENV=production.
 * 3. Each scenario: a closed loop at fixed concurrency with autocannon, then the invariant
 *    checker, then the ceiling — pgbench running the same SQL at the same concurrency for the
 *    same time (or a bare Fastify route for product-read).
 * 4. bench/results/latest.{json,md,svg}; every child stopped and both databases dropped
 *    (`--keep` keeps them).
 *
 * 5. The relay scenario (bench/relay.ts): the scheduler role draining a backlog of order events
 *    to a local HTTP receiver and to JetStream; its figures go into the report and into
 *    bench/results/relay.{json,md}.
 *
 * Options: --quick, --keep, --profile (writes the service's --cpu-prof into bench/results),
 * --only=name,name (a subset of the scenarios, for working on one of them; `--only=relay` runs
 * the relay scenario alone).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, type LoadMeasurement } from './lib/load';
import { relayReportLines, runRelayBench } from './relay';
import { InvariantChecks } from './lib/invariants';
import { runPgbench, type PgbenchOptions, type PgbenchResult } from './lib/pgbench';
import { createDatabase, databaseUrl, dropDatabase, freeConnections, serverVersion, withClient } from './lib/postgres';
import { runCommand, startChildServer, stopAllChildServers, type ChildServer } from './lib/processes';
import { startEventReceiver, type EventReceiver } from './lib/receiver';
import { CHARGE_AMOUNT, CONCURRENCY, FULL, isExpectedStatus, QUICK, requestGenerator, scenarioRequests, type ScenarioWorld } from './lib/scenarios';
import { createHotCounter, seed } from './lib/seed';
import { signUserTokens } from './lib/tokens';
import { buildReport, renderMarkdown, renderSvg, SCENARIO_NAMES, type Machine, type ScenarioMeasurement, type ScenarioName } from './report';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const logDir = join(root, 'bench', '.out');
const sqlDir = 'bench/sql';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const keep = args.includes('--keep');
const profile = args.includes('--profile');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected: ScenarioName[] = onlyArg
  ? SCENARIO_NAMES.filter((n) => onlyArg.split(',').includes(n))
  : [...SCENARIO_NAMES];
const sizes = quick ? QUICK : FULL;
const withRelay = onlyArg === undefined || onlyArg.split(',').includes('relay');
/** Events in the relay scenario's backlog (four per order). */
const RELAY_EVENTS = quick ? 8_000 : 20_000;

/** The relay scenario: its own report beside the others, and its lines for the main report. */
async function relayScenario(): Promise<string[]> {
  const results = await runRelayBench({ root, logDir, events: RELAY_EVENTS, log });
  const lines = relayReportLines(results);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'relay.json'), `${JSON.stringify({ startedAt: new Date().toISOString(), results }, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'relay.md'), `# Relay benchmark\n\n${lines.join('\n')}\nRun with \`pnpm bench --only=relay\`${quick ? ' --quick' : ''}.\n`);
  log(`wrote ${relative(root, join(resultsDir, 'relay'))}.{json,md}`);
  return lines;
}

const MAX_BALANCE = 10_000_000;
const TIME_ZONE = 'Asia/Seoul';
/** The service's default DATABASE_POOL_SIZE (packages/adapters/src/config/config.ts). */
const SERVICE_POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 20);
/** Connections left free beside pgbench and the service's pool: the checker, other users. */
const CONNECTION_MARGIN = 10;

const log = (message: string): void => {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

async function freePort(): Promise<number> {
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

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function machine(): Promise<Machine> {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: await serverVersion(),
  };
}

const describeLoad = (m: LoadMeasurement): string =>
  `${m.requests} answers in ${m.seconds.toFixed(1)} s: ${Object.entries(m.statuses)
    .sort()
    .map(([k, v]) => `${k} × ${v}`)
    .join(', ')}${m.socketErrors > 0 ? `, socket errors × ${m.socketErrors}` : ''}${m.timeouts > 0 ? `, timeouts × ${m.timeouts}` : ''}${
    m.stoppedByTime ? ' (stopped by the time bound)' : ''
  }`;

interface Run {
  serviceDb: string;
  ceilingDb: string;
  receiver: EventReceiver | null;
  service: ChildServer | null;
  checks: InvariantChecks | null;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const serviceDb = `bench_${timestamp(startedAt)}`;
  const run: Run = { serviceDb, ceilingDb: `${serviceDb}_sql`, receiver: null, service: null, checks: null };
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping the children and dropping the databases');
    void cleanup(run).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  if (selected.length === 0 && withRelay) {
    log(`${quick ? 'quick' : 'full'} run, scenario: relay`);
    await relayScenario();
    return 0;
  }
  try {
    log(`${quick ? 'quick' : 'full'} run, scenarios: ${selected.join(', ')}`);
    const host = await machine();
    log(`machine: ${host.cpus} × ${host.model}, ${host.memGiB} GiB, Node ${host.node}, ${host.postgres}`);

    await createDatabase(serviceDb);
    const env = { ...process.env, DATABASE_URL: databaseUrl(serviceDb) };
    await runCommand('pnpm', ['--silent', 'db:migrate'], { cwd: root, env, timeoutMs: 120_000 });
    const seeded = await withClient(serviceDb, (client) =>
      seed(client, {
        users: sizes.users,
        walletBalance: sizes.walletBalance,
        catalogue: sizes.catalogue,
        catalogueStock: 1_000_000,
        hotStock: 10_000_000,
        rushQuantity: sizes.rushQuantity,
        mixedCouponQuantity: 1_000_000,
      }),
    );
    // The ceilings' copy, taken before the service holds connections to the original.
    await createDatabase(run.ceilingDb, serviceDb);
    await withClient(run.ceilingDb, (client) => createHotCounter(client));
    log(`databases ${serviceDb} (service) and ${run.ceilingDb} (pgbench) migrated and seeded`);

    const jwtSecret = randomBytes(32).toString('hex');
    const tokens = await signUserTokens(jwtSecret, sizes.users, 3 * 3600);
    run.receiver = await startEventReceiver();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const serviceSpawnedAt = performance.now();
    run.service = await startChildServer({
      name: 'service',
      command: process.execPath,
      args: ['--import', 'tsx', 'scripts/start-all.ts'],
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl(serviceDb),
        JWT_SECRET: jwtSecret,
        DATA_PLATFORM_URL: run.receiver.url,
        DATA_PLATFORM_SECRET: randomBytes(16).toString('hex'),
        MAX_BALANCE: String(MAX_BALANCE),
        TZ_BUSINESS: TIME_ZONE,
        // The bench measures the service's throughput, not the per-caller limit (1,200 a minute
        // by default), which the load's callers could reach: off, and said so below.
        RATE_LIMIT_PER_MINUTE: '0',
        NODE_OPTIONS: profile ? `--cpu-prof --cpu-prof-dir=${resultsDir}` : '',
      },
      logFile: join(logDir, 'service.log'),
      readyUrl: `${baseUrl}/health/ready`,
      readyTimeoutMs: 60_000,
    });
    log(`service ready at ${baseUrl} (pid ${run.service.pid}, log ${relative(root, join(logDir, 'service.log'))})`);
    log('rate limit off for the bench (RATE_LIMIT_PER_MINUTE=0): it measures throughput, not the per-caller limit');
    run.checks = await InvariantChecks.open(databaseUrl(serviceDb), { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE });

    const world: ScenarioWorld = { sizes, tokens, ...seeded };
    const measurements: ScenarioMeasurement[] = [];
    const notes = new Map<ScenarioName, string[]>();
    for (const name of selected) {
      if (interrupted) break;
      const scenarioNotes: string[] = [];
      notes.set(name, scenarioNotes);
      const concurrency = CONCURRENCY[name];
      const requests = scenarioRequests(name, sizes);
      // The ceiling brackets the service run, once before and once after, and the ratio uses
      // their mean: on a shared machine the load of others drifts within minutes.
      const ceilingRuns: number[] = [];
      const measureCeiling = async (seconds: number, when: 'before' | 'after'): Promise<void> => {
        try {
          const tps =
            name === 'product-read'
              ? await bareFastifyCeiling(world, seconds, scenarioNotes, when)
              : await pgbenchCeiling(name, run.ceilingDb, world, concurrency, seconds, scenarioNotes, when);
          ceilingRuns.push(tps);
          log(`${name}: ceiling ${when} the service run ${tps.toFixed(0)}/s`);
        } catch (error) {
          scenarioNotes.push(`ceiling ${when} not measured: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          log(`${name}: ceiling ${when} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      await measureCeiling(quick ? 5 : 10, 'before');
      log(`${name}: ${requests} requests at concurrency ${concurrency}`);
      const loadStartedAt = (performance.now() - serviceSpawnedAt) / 1000;
      const load = await runLoad({
        baseUrl,
        connections: concurrency,
        amount: requests,
        maxSeconds: sizes.maxSeconds,
        next: requestGenerator(name, world),
        expected: isExpectedStatus,
      });
      log(`${name}: ${load.tps.toFixed(0)} req/s, p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms, ${load.errors} errors — ${describeLoad(load)}`);
      scenarioNotes.push(`service: ${describeLoad(load)}`);
      if (profile) {
        // Where this scenario sits in the service's CPU profile (seconds since the process started).
        log(`${name}: profile window ${loadStartedAt.toFixed(1)}–${((performance.now() - serviceSpawnedAt) / 1000).toFixed(1)} s after the service started`);
      }
      if (run.service.exited()) throw new Error(`the service exited during ${name}; see bench/.out/service.log`);

      const pendingAtEnd = await run.checks.pendingEvents();
      const verdict = await run.checks.check(sizes.drainSeconds);
      if (pendingAtEnd > 0) {
        scenarioNotes.push(
          `relay: ${pendingAtEnd} events were still pending when the load ended; delivered in ${verdict.drainSeconds.toFixed(1)} s more (≈ ${(pendingAtEnd / Math.max(verdict.drainSeconds, 0.001)).toFixed(0)} events/s)`,
        );
      }
      let invariantsOk = verdict.ok;
      if (name === 'coupon-rush') {
        const issuedBy = load.lastAnswerSeconds['coupon 201'];
        if (issuedBy !== undefined) {
          const units = load.statuses['coupon 201'] ?? 0;
          const refusals = load.requests - units;
          scenarioNotes.push(
            `phases: all ${units} units were issued in the first ${issuedBy.toFixed(1)} s; the whole rush took ${load.seconds.toFixed(1)} s, so the ${refusals} refusals ran at about ${(refusals / Math.max(0.001, load.seconds - issuedBy)).toFixed(0)}/s after the sell-out`,
          );
        }
        const issued = await run.checks.issuedCoupons(seeded.rushCouponId);
        scenarioNotes.push(`coupons issued: ${issued} of ${sizes.rushQuantity}`);
        if (issued !== sizes.rushQuantity) {
          invariantsOk = false;
          verdict.problems.push(`expected exactly ${sizes.rushQuantity} coupons issued, found ${issued}`);
        }
      }
      const orders = await run.checks.paidOrders();
      scenarioNotes.push(
        `invariants ${invariantsOk ? 'hold' : 'VIOLATED'} (checked after the relay drained in ${verdict.drainSeconds.toFixed(1)} s; ${orders} paid orders so far, ${run.receiver.distinctEvents()} distinct events received)`,
      );
      for (const problem of verdict.problems.slice(0, 10)) scenarioNotes.push(`violation: ${problem}`);
      log(`${name}: invariants ${invariantsOk ? 'ok' : `VIOLATED: ${verdict.problems.slice(0, 3).join('; ')}`}`);

      await measureCeiling(load.seconds, 'after');
      const ceilingTps = ceilingRuns.length === 0 ? null : ceilingRuns.reduce((a, b) => a + b, 0) / ceilingRuns.length;
      if (ceilingTps !== null) log(`${name}: ceiling ${ceilingTps.toFixed(0)}/s (mean) → ratio ${(load.tps / ceilingTps).toFixed(2)}`);
      measurements.push({
        name,
        requests: load.requests,
        concurrency,
        tps: load.tps,
        p50Ms: load.p50Ms,
        p99Ms: load.p99Ms,
        errors: load.errors,
        ceilingTps,
        invariantsOk,
      });
    }

    // The relay scenario needs no service: stop it first, so the relay has the machine.
    await stopAllChildServers();
    const relayLines = withRelay && !interrupted ? await relayScenario() : [];
    const report = buildReport(host, startedAt, measurements);
    const extra = [
      `Mode: ${quick ? '`--quick`' : 'full'}; ${sizes.users.toLocaleString('en-US')} funded wallets, ${sizes.catalogue} products plus a hot one, a rush coupon of ${sizes.rushQuantity.toLocaleString('en-US')}.`,
      'The service ran as `scripts/start-all.ts` (HTTP + outbox relay, one PostgreSQL pool) with NODE_ENV=production and its default settings, delivering events to a local receiver; autocannon ran in the benchmark process on the same machine.',
      'Each ceiling ran twice, right before and right after its service scenario (the latter for as long as the service took, at least 5 s); `ceiling tps` is their mean. pgbench ran `-M prepared -j 2` on a copy of the seeded database; see bench/sql/ for the scripts.',
      'What the service\'s CPU profile showed where a target is missed: the Findings section of [bench/README.md](../README.md).',
    ];
    // Only a run of every scenario is a result; a partial one (--only) goes beside the logs.
    const outDir = selected.length === SCENARIO_NAMES.length ? resultsDir : logDir;
    const base = selected.length === SCENARIO_NAMES.length ? 'latest' : 'partial';
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(outDir, `${base}.md`), `${renderMarkdown(report, notes, extra)}${relayLines.length > 0 ? `\n${relayLines.join('\n')}` : ''}`);
    writeFileSync(join(outDir, `${base}.svg`), renderSvg(report));
    log(`wrote ${relative(root, join(outDir, base))}.{json,md,svg}`);
    for (const s of report.scenarios) {
      log(`  ${s.name.padEnd(18)} tps ${String(s.tps).padStart(8)}  ceiling ${String(s.ceilingTps ?? 'n/a').padStart(8)}  ratio ${String(s.ratio ?? 'n/a').padStart(6)}  p99 ${s.p99Ms} ms  errors ${s.errors}  invariants ${s.invariantsOk ? 'ok' : 'VIOLATED'}`);
    }
    return 0;
  } finally {
    if (!interrupted) await cleanup(run);
  }
}

async function pgbenchCeiling(
  name: Exclude<ScenarioName, 'product-read'>,
  database: string,
  world: ScenarioWorld,
  concurrency: number,
  serviceSeconds: number,
  notes: string[],
  when: 'before' | 'after',
): Promise<number> {
  const { free, maxConnections } = await freeConnections(SERVICE_POOL_SIZE, CONNECTION_MARGIN);
  let clients = Math.min(concurrency, free);
  if (clients < concurrency && when === 'before') {
    notes.push(`pgbench at ${clients} clients, not ${concurrency}: max_connections is ${maxConnections} and the service and others hold some`);
  }
  const variables = {
    users: world.sizes.users,
    amount: CHARGE_AMOUNT,
    catalogue: world.sizes.catalogue,
    product_lo: name === 'mixed' ? 1 : world.hotProductId,
    product_hi: name === 'mixed' ? world.sizes.catalogue : world.hotProductId,
    coupon: world.mixedCouponId,
  };
  const scripts: PgbenchOptions['scripts'] = {
    'coupon-rush': [{ file: 'coupon-hot-row.sql' }],
    'hot-product-order': [{ file: 'order.sql' }],
    charge: [{ file: 'charge.sql' }],
    mixed: [
      { file: 'browse.sql', weight: 70 },
      { file: 'charge.sql', weight: 10 },
      { file: 'coupon-issue.sql', weight: 5 },
      { file: 'order.sql', weight: 15 },
    ],
  }[name];
  const seconds = Math.min(60, Math.max(5, Math.ceil(serviceSeconds)));
  let result: PgbenchResult | null = null;
  for (let attempt = 0; result === null; attempt += 1) {
    try {
      result = await runPgbench({ database, scripts, clients, seconds, variables, sqlDir, cwd: root });
    } catch (error) {
      // Someone else took connections meanwhile: try again with half the clients.
      if (attempt < 3 && clients > 1 && String(error).includes('too many clients')) {
        clients = Math.max(1, Math.floor(clients / 2));
        notes.push(`pgbench retried at ${clients} clients (too many clients)`);
        continue;
      }
      throw error;
    }
  }
  notes.push(`ceiling ${when}: ${result.tps.toFixed(0)} tps, ${result.transactions} transactions in ${seconds} s, ${result.failed} failed, ${clients} clients (\`${result.command.replace(/ -h \S+ -p \S+ -U \S+/, '')}\`)`);
  // For orientation only (not the ratio): the service never has more transactions in the
  // database than its pool has connections, so the same SQL at that many clients is what the
  // service could reach if the application cost nothing.
  // Full runs only: a quick run stays well under its four minutes.
  if (!quick && clients !== SERVICE_POOL_SIZE && when === 'after') {
    const atPool = await runPgbench({ database, scripts, clients: SERVICE_POOL_SIZE, seconds: Math.min(seconds, 10), variables, sqlDir, cwd: root });
    notes.push(`for orientation: the same SQL at the service's pool size (${SERVICE_POOL_SIZE} clients): ${atPool.tps.toFixed(0)} tps`);
  }
  return result.tps;
}

/** The same load, for as long as the service took (at least 5 s), on a bare Fastify route. */
async function bareFastifyCeiling(world: ScenarioWorld, serviceSeconds: number, notes: string[], when: 'before' | 'after'): Promise<number> {
  const port = await freePort();
  const server = await startChildServer({
    name: 'bare-fastify',
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/ceiling-server.ts'],
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), NODE_OPTIONS: '' },
    logFile: join(logDir, 'ceiling-server.log'),
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
    readyTimeoutMs: 30_000,
  });
  try {
    const load = await runLoad({
      baseUrl: `http://127.0.0.1:${port}`,
      connections: CONCURRENCY['product-read'],
      durationSeconds: Math.min(60, Math.max(5, Math.ceil(serviceSeconds))),
      maxSeconds: sizes.maxSeconds,
      next: requestGenerator('product-read', world),
      expected: isExpectedStatus,
    });
    notes.push(`ceiling ${when}: bare Fastify, ${load.tps.toFixed(0)} req/s, ${describeLoad(load)}, p99 ${load.p99Ms.toFixed(1)} ms`);
    return load.tps;
  } finally {
    await server.stop();
  }
}

async function cleanup(run: Run): Promise<void> {
  await stopAllChildServers();
  if (run.service) log(`service stopped`);
  await run.checks?.close().catch(() => undefined);
  await run.receiver?.close().catch(() => undefined);
  if (keep) {
    log(`kept databases ${run.serviceDb} and ${run.ceilingDb} (--keep)`);
    return;
  }
  for (const db of [run.ceilingDb, run.serviceDb]) {
    await dropDatabase(db).catch((error: unknown) => log(`could not drop ${db}: ${String(error)}`));
  }
  log(`dropped ${run.serviceDb} and ${run.ceilingDb}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
