import { join } from 'node:path';
import { PG_HOST, PG_PORT, PG_USER } from './postgres';
import { runCommand } from './processes';

export interface PgbenchOptions {
  database: string;
  /** Script files under bench/sql, each with an optional weight (`-f file@weight`). */
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

/** Parses the summary pgbench prints at the end of a run. */
export function parsePgbenchOutput(output: string): Omit<PgbenchResult, 'command'> {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([\d.]+)/.exec(output);
  if (!tps?.[1]) throw new Error(`pgbench printed no tps:\n${output}`);
  const processed = /number of transactions actually processed: (\d+)/.exec(output);
  const failed = /number of failed transactions: (\d+)/.exec(output);
  const latency = /latency average = ([\d.]+) ms/.exec(output);
  return {
    tps: Number(tps[1]),
    transactions: Number(processed?.[1] ?? 0),
    failed: Number(failed?.[1] ?? 0),
    latencyAvgMs: latency?.[1] ? Number(latency[1]) : null,
  };
}

/**
 * Runs pgbench on loopback: `-n` (no vacuum of pgbench's own tables, which we do not have),
 * `-M prepared` (the database's best case: parse and plan once per connection), `-j 2`.
 */
export async function runPgbench(o: PgbenchOptions): Promise<PgbenchResult> {
  const args = ['-h', PG_HOST, '-p', String(PG_PORT), '-U', PG_USER, '-n', '-M', 'prepared', '-c', String(o.clients), '-j', String(Math.min(2, o.clients))];
  args.push('-T', String(Math.max(1, Math.round(o.seconds))));
  for (const [name, value] of Object.entries(o.variables)) args.push('-D', `${name}=${value}`);
  for (const s of o.scripts) args.push('-f', `${join(o.sqlDir, s.file)}${s.weight === undefined ? '' : `@${s.weight}`}`);
  args.push(o.database);
  const { stdout, stderr } = await runCommand('pgbench', args, {
    cwd: o.cwd,
    env: { ...process.env, PGAPPNAME: 'bench-pgbench' },
    timeoutMs: (o.seconds + 60) * 1000,
  });
  const parsed = parsePgbenchOutput(`${stdout}\n${stderr}`);
  if (parsed.transactions === 0) throw new Error(`pgbench processed no transaction:\n${stdout}\n${stderr}`);
  return { ...parsed, command: `pgbench ${args.join(' ')}` };
}
