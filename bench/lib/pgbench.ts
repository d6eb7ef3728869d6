import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PG_HOST, PG_PORT, PG_USER } from './postgres';
import { runCommand } from './processes';
import { expandServiceSql, readServiceStatements } from './service-sql';

export interface PgbenchOptions {
  database: string;
  /**
   * Script files under bench/sql, each with an optional weight (`-f file@weight`). Their
   * `-- @sql` blocks are filled in from the service's SQL snapshots (service-sql.ts) first.
   */
  scripts: { file: string; weight?: number }[];
  clients: number;
  seconds: number;
  variables: Record<string, number>;
  sqlDir: string;
  cwd: string;
}

export interface PgbenchResult {
  tps: number;
  transactions: number;
  failed: number;
  latencyAvgMs: number | null;
  command: string;
}

/**
 * Parses the summary pgbench prints at the end of a run, and refuses a run that was not clean.
 * pgbench 15 aborts a client on any error other than a serialization failure or a deadlock (a
 * CHECK that fails, a lock or statement timeout, a unique violation) and carries on with the
 * others: its tps is then that of fewer clients, or of a run that stopped early, and says nothing
 * of the SQL's ceiling. So an aborted client, a failed transaction or any error pgbench printed
 * throws, with the clients and the first errors named.
 */
export function parsePgbenchOutput(output: string): Omit<PgbenchResult, 'command'> {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([\d.]+)/.exec(output);
  if (!tps?.[1]) throw new Error(`pgbench printed no tps:\n${output}`);
  const processed = /number of transactions actually processed: (\d+)/.exec(output);
  const failed = /number of failed transactions: (\d+)/.exec(output);
  const latency = /latency average = ([\d.]+) ms/.exec(output);
  const result = {
    tps: Number(tps[1]),
    transactions: Number(processed?.[1] ?? 0),
    failed: Number(failed?.[1] ?? 0),
    latencyAvgMs: latency?.[1] ? Number(latency[1]) : null,
  };
  const problem = pgbenchProblem(output, result.failed);
  if (problem) throw new Error(`pgbench run not clean, no ceiling: ${problem}`);
  return result;
}

/** What went wrong in a pgbench run, from its output; null when nothing did. */
function pgbenchProblem(output: string, failed: number): string | null {
  const lines = output.split('\n');
  const errors = lines.filter((line) => line.startsWith('pgbench: error:') && !line.includes('Run was aborted'));
  const abortedClients = new Set(errors.map((line) => /client (\d+) (?:script \d+ )?aborted/.exec(line)?.[1]).filter((id) => id !== undefined));
  const clients = /number of clients: (\d+)/.exec(output)?.[1];
  const parts: string[] = [];
  if (abortedClients.size > 0) parts.push(`${abortedClients.size}${clients ? ` of ${clients}` : ''} clients aborted`);
  if (failed > 0) parts.push(`${failed} failed transactions`);
  if (output.includes('Run was aborted')) parts.push('pgbench says the run was aborted and its results are incomplete');
  if (errors.length > abortedClients.size) parts.push(`${errors.length - abortedClients.size} other errors`);
  if (parts.length === 0) return null;
  // The same error repeats once per client: name each distinct one once, the first three.
  const distinct = [...new Set(errors.map((line) => line.replace(/^pgbench: error: (client \d+ (script \d+ )?aborted in command \d+ (query \d+)?: ?)?/, '').trim()))];
  const named = distinct.slice(0, 3).map((message) => `\n  ${message}`).join('');
  return `${parts.join('; ')}${named}${distinct.length > 3 ? `\n  … and ${distinct.length - 3} more` : ''}`;
}

/**
 * Writes each script with the service's statements filled in (see service-sql.ts) to a
 * directory of its own; answers the directory, which the caller removes.
 */
async function expandScripts(sqlDir: string, files: readonly string[]): Promise<string> {
  const statements = readServiceStatements();
  const dir = await mkdtemp(join(tmpdir(), 'storefront-pgbench-'));
  for (const file of new Set(files)) {
    const template = await readFile(join(sqlDir, file), 'utf8');
    await writeFile(join(dir, file), expandServiceSql(template, statements, join(sqlDir, file)));
  }
  return dir;
}

/**
 * Runs pgbench on loopback: `-n` (no vacuum of pgbench's own tables, which we do not have),
 * `-M prepared` (the database's best case: parse and plan once per connection), `-j 2`.
 * Besides the caller's variables, scripts get `pgbench_clients` (the number of clients), so a
 * script can give each client users of its own (`:client_id` is pgbench's).
 */
export async function runPgbench(o: PgbenchOptions): Promise<PgbenchResult> {
  const scriptDir = await expandScripts(resolve(o.cwd, o.sqlDir), o.scripts.map((s) => s.file));
  try {
    const args = ['-h', PG_HOST, '-p', String(PG_PORT), '-U', PG_USER, '-n', '-M', 'prepared', '-c', String(o.clients), '-j', String(Math.min(2, o.clients))];
    args.push('-T', String(Math.max(1, Math.round(o.seconds))));
    for (const [name, value] of Object.entries({ ...o.variables, pgbench_clients: o.clients })) args.push('-D', `${name}=${value}`);
    const scriptArgs = (dir: string) => o.scripts.flatMap((s) => ['-f', `${join(dir, s.file)}${s.weight === undefined ? '' : `@${s.weight}`}`]);
    const { stdout, stderr } = await runCommand('pgbench', [...args, ...scriptArgs(scriptDir), o.database], {
      cwd: o.cwd,
      env: { ...process.env, PGAPPNAME: 'bench-pgbench' },
      timeoutMs: (o.seconds + 60) * 1000,
      // 2: some clients aborted (or the run did); the parser says which and why, and throws.
      acceptedExitCodes: [2],
    });
    const parsed = parsePgbenchOutput(`${stdout}\n${stderr}`);
    if (parsed.transactions === 0) throw new Error(`pgbench processed no transaction:\n${stdout}\n${stderr}`);
    // The command as a reader would rerun it: the templates, not the temporary expansions.
    return { ...parsed, command: `pgbench ${[...args, ...scriptArgs(o.sqlDir), o.database].join(' ')}` };
  } finally {
    await rm(scriptDir, { recursive: true, force: true });
  }
}
