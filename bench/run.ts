/*
 * `pnpm bench` / `pnpm bench --quick`: the hot paths of the service, each side by side with its
 * ceilings measured in the same run on the same machine (issues 7 and 14).
 *
 * 1. A fresh database `bench_<timestamp>` on 127.0.0.1:5432, migrated with `pnpm db:migrate` and
 *    seeded with SQL; a copy of it (`…_sql`, CREATE DATABASE … TEMPLATE) for pgbench, so the
 *    ceilings never touch the rows the invariant checker judges.
 * 2. A data-platform receiver on loopback, then the service as production runs it: the HTTP role
 *    and the scheduler role (outbox relay, jobs) as two processes, with NODE_ENV=production.
 * 3. Each scenario (bench/lib/scenario-runs.ts): its service ceiling, the closed loop with
 *    autocannon, the open loop at 25/50/75 % of that throughput (again with the host's page
 *    reclaim paused, where the bench may: bench/lib/host-reclaim.ts), the invariant checker, then
 *    the service ceiling again and the lean and hot-row ceilings.
 * 4. The relay scenario (bench/relay.ts) with the service stopped.
 * 5. bench/results/latest.{json,md,svg} and latest-open-loop.svg; every child stopped and both
 *    databases dropped (`--keep` keeps them). The exit code is 1 when an invariant was violated,
 *    a request failed or a step threw.
 *
 * `pnpm bench --scale` (bench/scale.ts) measures reads against data size instead and writes the
 * `scale` section of latest.json.
 *
 * Options: --quick, --keep, --profile (writes the service's --cpu-prof into bench/results),
 * --only=name,name (a subset of the scenarios; `--only=relay` runs the relay scenario alone),
 * --scale (with --quick: 100,000 orders against 10,000), --host-as-is (never pause the host's
 * page reclaim: the open loop runs once per rate).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CeilingContext } from './lib/ceilings';
import { InvariantChecks } from './lib/invariants';
import { HostReclaim } from './lib/host-reclaim';
import { createHotRow } from './lib/lean-ceilings';
import { createDatabase, databaseUrl, dropDatabase, serverVersion, withClient } from './lib/postgres';
import { runCommand, startChildServer, stopAllChildServers, type ChildServer } from './lib/processes';
import { startEventReceiver, type EventReceiver } from './lib/receiver';
import { runScenario, warmUp, type ScenarioContext } from './lib/scenario-runs';
import { FULL, QUICK, UNCONTENDED_COUPONS, type BenchSizes, type ScenarioWorld } from './lib/scenarios';
import { createHotCounter, seed, seedCancellableOrders } from './lib/seed';
import { signAdminToken, signUserTokens } from './lib/tokens';
import { errorMessage, freePort, log, runMain } from './lib/util';
import { relayReportLines, runRelayBench } from './relay';
import {
  benchReportSchema,
  buildReport,
  failuresOf,
  renderMarkdown,
  renderOpenLoopSvg,
  renderScaleMarkdown,
  renderScaleSvg,
  renderSvg,
  SCENARIO_NAMES,
  type BenchReport,
  type Machine,
  type ScaleReport,
  type ScenarioMeasurement,
  type ScenarioName,
} from './report';
import { replaceScaleSection, runScaleBench } from './scale';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const logDir = join(root, 'bench', '.out');

const MAX_BALANCE = 10_000_000;
const TIME_ZONE = 'Asia/Seoul';
/** The service's default DATABASE_POOL_SIZE (packages/adapters/src/config/app.config.ts). */
const SERVICE_POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 20);
/** The scheduler role's pool (the relay and the jobs need few), beside the HTTP role's. */
const SCHEDULER_POOL_SIZE = 5;
/** Connections left free beside pgbench and the service's pools: the scheduler's, the checker, other users. */
const CONNECTION_MARGIN = 10 + SCHEDULER_POOL_SIZE;

export interface BenchOptions {
  quick: boolean;
  keep: boolean;
  profile: boolean;
  scale: boolean;
  /** Never pause the host's page reclaim (`--host-as-is`). */
  hostAsIs: boolean;
  /** The scenarios to run, in the report's order. */
  selected: ScenarioName[];
  withRelay: boolean;
}

export function parseOptions(args: readonly string[]): BenchOptions {
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const unknown = only?.filter((n) => n !== 'relay' && !(SCENARIO_NAMES as readonly string[]).includes(n)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIO_NAMES.join(', ')}, relay`);
  return {
    quick: args.includes('--quick'),
    keep: args.includes('--keep'),
    profile: args.includes('--profile'),
    scale: args.includes('--scale'),
    hostAsIs: args.includes('--host-as-is'),
    selected: only ? SCENARIO_NAMES.filter((n) => only.includes(n)) : [...SCENARIO_NAMES],
    withRelay: only === undefined || only.includes('relay'),
  };
}

/** Everything a run holds, so that cleanup (or an interrupt) can release it. */
interface Run {
  options: BenchOptions;
  sizes: BenchSizes;
  startedAt: Date;
  serviceDb: string;
  ceilingDb: string;
  receiver: EventReceiver | null;
  service: ChildServer | null;
  checks: InvariantChecks | null;
  /** Resumed by cleanup too, should the run be interrupted while it is paused. */
  hostReclaim: HostReclaim | null;
  /** performance.now() when the service was spawned: where each scenario sits in its CPU profile. */
  serviceSpawnedAt: number;
  interrupted: boolean;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.scale) return scaleRun(options);
  const startedAt = new Date();
  const serviceDb = `bench_${timestamp(startedAt)}`;
  const run: Run = {
    options,
    sizes: options.quick ? QUICK : FULL,
    startedAt,
    serviceDb,
    ceilingDb: `${serviceDb}_sql`,
    receiver: null,
    service: null,
    checks: null,
    hostReclaim: HostReclaim.detect(join(logDir, 'host-reclaim-paused')),
    serviceSpawnedAt: 0,
    interrupted: false,
  };
  stopOnSignals(run);
  if (options.selected.length === 0) {
    log(`${mode(options)} run, scenario: relay`);
    await relayScenario(options);
    return 0;
  }
  try {
    log(`${mode(options)} run, scenarios: ${options.selected.join(', ')}${options.withRelay ? ', relay' : ''}`);
    const host = await machine();
    log(`machine: ${host.cpus} × ${host.model}, ${host.memGiB} GiB, Node ${host.node}, ${host.postgres}`);
    const world = await prepareDatabases(run);
    const baseUrl = await startService(run);
    const stepFailures: string[] = [];
    const { measurements, notes } = await runScenarios(run, world, baseUrl, stepFailures);
    // The relay scenario needs no service: stop it first, so the relay has the machine.
    await stopAllChildServers();
    const relayLines = await relayStep(run, stepFailures);
    const report = buildReport(host, startedAt, measurements, previousScale());
    writeResults(run, report, notes, relayLines);
    return verdict(report, stepFailures);
  } finally {
    if (!run.interrupted) await cleanup(run);
  }
}

const mode = (options: BenchOptions): string => (options.quick ? 'quick' : 'full');

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function stopOnSignals(run: Run): void {
  const onSignal = (): void => {
    if (run.interrupted) return;
    run.interrupted = true;
    log('interrupted: stopping the children and dropping the databases');
    void cleanup(run).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
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

/** Step 1: the service's database, migrated and seeded, and the ceilings' copy of it. */
async function prepareDatabases(run: Run): Promise<ScenarioWorld> {
  const { sizes } = run;
  await createDatabase(run.serviceDb);
  const env = { ...process.env, DATABASE_URL: databaseUrl(run.serviceDb) };
  await runCommand('pnpm', ['--silent', 'db:migrate'], { cwd: root, env, timeoutMs: 120_000 });
  const seeded = await withClient(run.serviceDb, (client) =>
    seed(client, {
      users: sizes.users,
      walletBalance: sizes.walletBalance,
      catalogue: sizes.catalogue,
      catalogueStock: 1_000_000,
      hotStock: 10_000_000,
      rushQuantity: sizes.rushQuantity,
      mixedCouponQuantity: 1_000_000,
      uncontendedCoupons: UNCONTENDED_COUPONS,
      uncontendedQuantity: 10_000,
      flashUnits: sizes.flashUnits,
      ...(sizes.largeRush ? { largeRushQuantity: sizes.largeRush.units } : {}),
    }),
  );
  // The ceilings' copy, taken before the service holds connections to the original.
  await createDatabase(run.ceilingDb, run.serviceDb);
  await withClient(run.ceilingDb, async (client) => {
    await createHotCounter(client);
    await createHotRow(client);
    await seedCancellableOrders(client, { users: sizes.users, catalogue: sizes.catalogue, perRange: sizes.cancellableOrders });
    // The seeds' writes go to disk now, not in a checkpoint in the middle of the first scenario.
    await client.query('CHECKPOINT');
  });
  log(`databases ${run.serviceDb} (service) and ${run.ceilingDb} (pgbench) migrated and seeded`);
  // The large rush's users need tokens too (they need no wallet: a coupon is not paid for).
  const tokens = await signUserTokens(jwtSecret, Math.max(sizes.users, sizes.largeRush?.users ?? 0), 3 * 3600);
  return { sizes, tokens, adminToken: await signAdminToken(jwtSecret, 3 * 3600), ...seeded };
}

const jwtSecret = randomBytes(32).toString('hex');

/** Step 2: the event receiver, the service as production runs it, and the invariant checker. */
async function startService(run: Run): Promise<string> {
  run.receiver = await startEventReceiver();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  run.serviceSpawnedAt = performance.now();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl(run.serviceDb),
    JWT_SECRET: jwtSecret,
    DATA_PLATFORM_URL: run.receiver.url,
    DATA_PLATFORM_SECRET: randomBytes(16).toString('hex'),
    MAX_BALANCE: String(MAX_BALANCE),
    TZ_BUSINESS: TIME_ZONE,
    // The bench measures the service's throughput, not the per-caller limit (1,200 a minute
    // by default), which the load's callers could reach: off, and said so below.
    RATE_LIMIT_PER_MINUTE: '0',
    NODE_OPTIONS: run.options.profile ? `--cpu-prof --cpu-prof-dir=${resultsDir}` : '',
  };
  // The two roles as infra/compose.yaml runs them: the relay's delivery batches on an event loop
  // of their own, not between the API's requests (measured in --quick pairs: the open loop right
  // after a closed loop, while the relay works off its backlog, p99 119–245 ms in one process
  // against 16–22 ms in two).
  const metricsPort = await freePort();
  await startChildServer({
    name: 'scheduler',
    command: process.execPath,
    args: ['--import', 'tsx', 'apps/scheduler/src/main.ts'],
    cwd: root,
    env: { ...env, METRICS_PORT: String(metricsPort), DATABASE_POOL_SIZE: String(SCHEDULER_POOL_SIZE) },
    logFile: join(logDir, 'scheduler.log'),
    readyUrl: `http://127.0.0.1:${metricsPort}/health/ready`,
    readyTimeoutMs: 60_000,
  });
  run.service = await startChildServer({
    name: 'service',
    command: process.execPath,
    args: ['--import', 'tsx', 'apps/http/src/main.ts'],
    cwd: root,
    env: { ...env, PORT: String(port) },
    logFile: join(logDir, 'service.log'),
    readyUrl: `${baseUrl}/health/ready`,
    readyTimeoutMs: 60_000,
  });
  log(`service ready at ${baseUrl} (pid ${run.service.pid}, log ${relative(root, join(logDir, 'service.log'))})`);
  log('rate limit off for the bench (RATE_LIMIT_PER_MINUTE=0): it measures throughput, not the per-caller limit');
  run.checks = await InvariantChecks.open(databaseUrl(run.serviceDb), { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE });
  return baseUrl;
}

/**
 * Step 3: every selected scenario in turn. A scenario that throws is a failure of the run, not
 * of the others; a service that died ends the run.
 */
async function runScenarios(run: Run, world: ScenarioWorld, baseUrl: string, failures: string[]): Promise<{ measurements: ScenarioMeasurement[]; notes: Map<ScenarioName, string[]> }> {
  const service = run.service;
  const checks = run.checks;
  if (!service || !checks) throw new Error('the service is not running');
  const ceilings: CeilingContext = {
    root,
    logDir,
    database: run.ceilingDb,
    world,
    quick: run.options.quick,
    maxBalance: MAX_BALANCE,
    servicePoolSize: SERVICE_POOL_SIZE,
    connectionMargin: CONNECTION_MARGIN,
  };
  const hostReclaim = run.hostReclaim;
  const pauseHostReclaim = !run.options.hostAsIs && hostReclaim?.canPause === true;
  if (pauseHostReclaim) log('the open loop runs each rate twice: with the host as is, then with its page reclaim (DAMON) paused; --host-as-is runs it once');
  const ctx: ScenarioContext = { baseUrl, world, checks, ceilings, quick: run.options.quick, profile: run.options.profile, serviceSpawnedAt: run.serviceSpawnedAt, hostReclaim, pauseHostReclaim, failures };
  const measurements: ScenarioMeasurement[] = [];
  const notes = new Map<ScenarioName, string[]>();
  if (run.options.selected.length > 0) await warmUp(ctx);
  for (const name of run.options.selected) {
    if (run.interrupted) break;
    const scenarioNotes: string[] = [];
    notes.set(name, scenarioNotes);
    try {
      measurements.push(await runScenario(ctx, name, scenarioNotes));
    } catch (error) {
      failures.push(`${name}: ${errorMessage(error)}`);
      scenarioNotes.push(`FAILED: ${errorMessage(error)}`);
      log(`${name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    if (service.exited()) throw new Error(`the service exited during ${name}; see bench/.out/service.log`);
  }
  return { measurements, notes };
}

/** Step 4: the relay scenario, its own report beside the others, and its lines for the main one. */
async function relayStep(run: Run, failures: string[]): Promise<string[]> {
  if (!run.options.withRelay || run.interrupted) return [];
  try {
    return await relayScenario(run.options);
  } catch (error) {
    failures.push(`relay: ${errorMessage(error)}`);
    return [];
  }
}

async function relayScenario(options: BenchOptions): Promise<string[]> {
  const results = await runRelayBench({ root, logDir, events: options.quick ? 8_000 : 20_000, log });
  const lines = relayReportLines(results);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'relay.json'), `${JSON.stringify({ startedAt: new Date().toISOString(), results }, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'relay.md'), `# Relay benchmark\n\n${lines.join('\n')}\nRun with \`pnpm bench --only=relay\`${options.quick ? ' --quick' : ''}.\n`);
  log(`wrote ${relative(root, join(resultsDir, 'relay'))}.{json,md}`);
  return lines;
}

/** The `scale` section of the committed latest.json, carried over by a run that did not measure it. */
function previousScale(): ScaleReport | null {
  const file = join(resultsDir, 'latest.json');
  if (!existsSync(file)) return null;
  const parsed = benchReportSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? (parsed.data.scale ?? null) : null;
}

/** Step 5: the report. Only a run of every scenario is a result; a partial one goes beside the logs. */
function writeResults(run: Run, report: BenchReport, notes: ReadonlyMap<ScenarioName, readonly string[]>, relayLines: readonly string[]): void {
  const { sizes, options } = run;
  const complete = options.selected.length === SCENARIO_NAMES.length;
  const outDir = complete ? resultsDir : logDir;
  const base = complete ? 'latest' : 'partial';
  const extra = [
    `Mode: ${options.quick ? '`--quick`' : 'full'}; ${sizes.users.toLocaleString('en-US')} funded wallets, ${sizes.catalogue} products plus a hot one, a rush coupon of ${sizes.rushQuantity.toLocaleString('en-US')}, two flash products of ${sizes.flashUnits.toLocaleString('en-US')} units.`,
    'The service ran as production does (infra/compose.yaml): the HTTP role (`apps/http/src/main.ts`, its default pool of 20) and the scheduler role (`apps/scheduler/src/main.ts`: outbox relay and jobs, a pool of 5) as two processes, NODE_ENV=production and default settings, delivering events to a local receiver; autocannon (closed loop) and the open loop ran in the benchmark process on the same machine.',
    'The service ceiling ran twice, right before and right after its scenario (the latter for as long as the service took, at least 5 s); `ceiling tps` is their mean. The lean and hot-row ceilings ran once each after it. pgbench ran `-M prepared -j 2` on a copy of the seeded database, vacuumed before each ceiling run (the ceilings wear the same hot rows run after run; this server has autovacuum off); see bench/sql/ and bench/sql-lean/ for the scripts.',
    'What the service\'s CPU profile showed where a target is missed: the Findings section of [bench/README.md](../README.md).',
  ];
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report, notes, extra).replace('](latest-open-loop.svg)', `](${base}-open-loop.svg)`).replace('](latest.svg)', `](${base}.svg)`);
  writeFileSync(join(outDir, `${base}.md`), `${markdown}${relayLines.length > 0 ? `\n${relayLines.join('\n')}` : ''}`);
  writeFileSync(join(outDir, `${base}.svg`), renderSvg(report));
  writeFileSync(join(outDir, `${base}-open-loop.svg`), renderOpenLoopSvg(report));
  log(`wrote ${relative(root, join(outDir, base))}.{json,md,svg} and ${base}-open-loop.svg`);
  for (const s of report.scenarios) {
    log(
      `  ${s.name.padEnd(18)} tps ${String(s.tps).padStart(8)}  ceiling ${String(s.ceilingTps ?? 'n/a').padStart(8)} (${s.ratio ?? 'n/a'}×)  lean ${String(s.leanCeilingTps ?? 'n/a').padStart(8)} (${s.leanRatio ?? 'n/a'}×)  hot row ${String(s.hotRowCeilingTps ?? 'n/a').padStart(8)} (${s.hotRowRatio ?? 'n/a'}×)  errors ${s.errors}  invariants ${s.invariantsOk ? 'ok' : 'VIOLATED'}`,
    );
  }
}

/** The exit code: 1 when an invariant was violated, a request failed or a step threw. */
function verdict(report: BenchReport, stepFailures: readonly string[]): number {
  const failures = failuresOf(report, stepFailures);
  for (const failure of failures) log(`FAILED: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

/** `pnpm bench --scale`: its own databases and service; writes the `scale` section. */
async function scaleRun(options: BenchOptions): Promise<number> {
  const scale = await runScaleBench({ root, logDir, quick: options.quick, keep: options.keep, jwtSecret, timeZone: TIME_ZONE, maxBalance: MAX_BALANCE });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest-scale.svg'), renderScaleSvg(scale.report));
  const jsonFile = join(resultsDir, 'latest.json');
  if (existsSync(jsonFile)) {
    // The scenarios stay those of the last ordinary run; only the scale section is replaced.
    const previous = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(jsonFile, `${JSON.stringify({ ...previous, scale: scale.report }, null, 2)}\n`);
    const mdFile = join(resultsDir, 'latest.md');
    if (existsSync(mdFile)) writeFileSync(mdFile, replaceScaleSection(readFileSync(mdFile, 'utf8'), renderScaleMarkdown(scale.report)));
    log(`wrote the scale section of ${relative(root, jsonFile)} and latest.md, and latest-scale.svg`);
  }
  for (const failure of scale.failures) log(`FAILED: ${failure}`);
  return scale.failures.length === 0 ? 0 : 1;
}

async function cleanup(run: Run): Promise<void> {
  run.hostReclaim?.resume();
  await stopAllChildServers();
  if (run.service) log('service stopped');
  await run.checks?.close().catch(() => undefined);
  await run.receiver?.close().catch(() => undefined);
  if (run.options.keep) {
    log(`kept databases ${run.serviceDb} and ${run.ceilingDb} (--keep)`);
    return;
  }
  for (const db of [run.ceilingDb, run.serviceDb]) {
    await dropDatabase(db).catch((error: unknown) => log(`could not drop ${db}: ${String(error)}`));
  }
  log(`dropped ${run.serviceDb} and ${run.ceilingDb}`);
}

// Run only as the entry point, so that the unit test can import parseOptions.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runMain(main);
}
