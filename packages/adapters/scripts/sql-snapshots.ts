import { fileURLToPath } from 'node:url';
import { Kysely } from 'kysely';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, GuardedPostgresDialect, guardsOfEachTransaction } from '../src/db/database.factory';
import type { DB } from '../src/db/database.schema';
import { SQL_CATALOGUE, type Answer, type SqlCase } from './sql-catalogue';

/*
 * The compiled SQL of every repository and query method, written to packages/adapters/sql/ by
 * `pnpm sql:snapshot` so that a change of a query shows in review (immich's practice), and read
 * back by the benchmark so that its pgbench ceilings run the service's own statements.
 *
 * Nothing here needs a database. The methods run on the production dialect (Kysely's PostgreSQL
 * driver with the per-transaction guards of database.factory.ts) over a fake `pg` pool whose client
 * records each statement and its parameters and answers with rows the case scripts, so a method
 * takes the path the case describes. Parameters are named by matching their values against the
 * case's named sample arguments (hence distinct sample values); anything else is shown as the
 * constant the code binds.
 */

/** The command that writes the snapshots; the drift test names it. */
export const SQL_SNAPSHOT_COMMAND = 'pnpm sql:snapshot';

interface Recorded {
  sql: string;
  parameters: readonly unknown[];
}

/** BEGIN, COMMIT, ROLLBACK and SET take no scripted answer: a case scripts the statements that answer rows. */
const TRANSACTION_CONTROL = /^\s*(begin|start transaction|commit|rollback|set)\b/i;
/** The last statement of a unit of work's BEGIN message, unless a first statement rode with it. */
const ENDS_A_BEGIN = /(select pg_current_xact_id\(\)|set local [^;]+);?\s*$/i;

/** A message answers the case's next scripted rows unless it is transaction control alone. */
const takesAnAnswer = (sql: string): boolean => !TRANSACTION_CONTROL.test(sql) || (/^\s*begin\b/i.test(sql) && !ENDS_A_BEGIN.test(sql));

class RecordingClient {
  readonly recorded: Recorded[] = [];
  private readonly answers: Answer[];

  constructor(answers: readonly Answer[]) {
    this.answers = [...answers];
  }

  query(sql: string, parameters: readonly unknown[] = []): Promise<{ command: string; rowCount: number; rows: Record<string, unknown>[] }> {
    this.recorded.push({ sql, parameters: [...parameters] });
    const command = commandOf(sql);
    const answer = takesAnAnswer(sql) ? (this.answers.shift() ?? {}) : {};
    return Promise.resolve({ command, rowCount: answer.rowCount ?? 1, rows: answer.rows ?? [] });
  }

  release(): void {}
}

/** The command tag PostgreSQL would answer (a WITH … UPDATE counts as the UPDATE). */
function commandOf(sql: string): string {
  const text = sql.trim().toLowerCase();
  if (text.startsWith('commit')) return 'COMMIT';
  if (text.startsWith('rollback')) return 'ROLLBACK';
  if (text.startsWith('with')) {
    const tail = text.slice(text.lastIndexOf(')'));
    for (const command of ['update', 'insert', 'delete']) if (new RegExp(`\\b${command}\\b`).test(tail)) return command.toUpperCase();
    return 'SELECT';
  }
  return (/^\w+/.exec(text)?.[0] ?? 'select').toUpperCase();
}

/** A Kysely exactly as production builds it for PostgreSQL, on a client that records. */
function recordingDatabase(answers: readonly Answer[]): { db: Kysely<DB>; client: RecordingClient } {
  const client = new RecordingClient(answers);
  const pool = { connect: () => Promise.resolve(client), end: () => Promise.resolve() };
  const guards = guardsOfEachTransaction(DEFAULT_STATEMENT_TIMEOUT_MS, DEFAULT_LOCK_TIMEOUT_MS);
  // The fake pool stands in for pg.Pool: the driver only ever calls connect(), end() and a client's query()/release().
  const dialect = new GuardedPostgresDialect({ pool: pool as never }, guards);
  return { db: new Kysely<DB>({ dialect }), client };
}

interface SnapshotStatement {
  /** `Class.method` or `Class.method: variant`, as the snapshot's header names it. */
  name: string;
  /** 1-based position among the method's statements. */
  index: number;
  count: number;
  sql: string;
  /** Per parameter ($1, $2, …): the sample argument it carries, or the constant the code binds. */
  parameters: SnapshotParameter[];
}

type SnapshotParameter = { kind: 'argument'; name: string } | { kind: 'constant'; sql: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sameValue(parameter: unknown, sample: unknown): boolean {
  if (parameter instanceof Date && sample instanceof Date) return parameter.getTime() === sample.getTime();
  if (typeof sample === 'object' && sample !== null && !(sample instanceof Date)) {
    // JSON the code serialises itself, or an array bound as one parameter.
    return (typeof parameter === 'string' ? parameter : JSON.stringify(parameter)) === JSON.stringify(sample);
  }
  if (sample === null) return false; // too common to tell apart
  return parameter === sample;
}

function describeParameter(value: unknown, args: Record<string, unknown>): SnapshotParameter {
  const match = Object.entries(args).find(([, sample]) => sameValue(value, sample));
  if (match) return { kind: 'argument', name: match[0] };
  return { kind: 'constant', sql: sqlLiteral(value) };
}

/** A bound constant as SQL text; values the code makes up on each call get a placeholder. */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') {
    if (UUID.test(value)) return '<a fresh uuid>';
    if (value.length > 60 || value.includes('\n')) return '<a text the code composes>';
    return `'${value.replaceAll("'", "''")}'`;
  }
  if (value instanceof Date) return '<the time now>';
  return '<a value the code composes>';
}

/** Raw template SQL keeps the source's indentation: the common part goes, blank lines too. */
function tidy(sql: string): string {
  const lines = sql.split('\n').filter((line) => line.trim() !== '');
  const first = lines[0]?.trim() ?? '';
  const rest = lines.slice(1);
  const indent = Math.min(...rest.map((line) => /^ */.exec(line)![0].length));
  const body = [first, ...rest.map((line) => line.slice(Number.isFinite(indent) ? indent : 0).trimEnd())].join('\n');
  return body.endsWith(';') ? body : `${body};`;
}

async function runCase(c: SqlCase): Promise<SnapshotStatement[]> {
  const { db, client } = recordingDatabase(c.answers ?? []);
  try {
    await c.run(db, c.args);
  } finally {
    await db.destroy();
  }
  if (client.recorded.length === 0) throw new Error(`${c.name} ran no statement: check the case's answers`);
  return client.recorded.map((statement, i) => ({
    name: c.name,
    index: i + 1,
    count: client.recorded.length,
    sql: tidy(statement.sql),
    parameters: statement.parameters.map((value) => describeParameter(value, c.args)),
  }));
}

function parameterLine(parameters: readonly SnapshotParameter[]): string {
  return parameters.map((p, i) => `$${i + 1} ${p.kind === 'argument' ? p.name : `= ${p.sql}`}`).join(' · ');
}

/** One snapshot file: a header per statement naming the method and its parameters, then the SQL. */
function renderFile(source: string, statements: readonly SnapshotStatement[]): string {
  const parts = [`-- The SQL of packages/adapters/src/${source}, compiled by \`${SQL_SNAPSHOT_COMMAND}\`. Do not edit:`, '-- a unit test fails when this file and the code disagree.'];
  for (const s of statements) {
    parts.push('', `-- ${s.name}${s.count > 1 ? ` [${s.index}/${s.count}]` : ''}`);
    if (s.parameters.length > 0) parts.push(`-- ${parameterLine(s.parameters)}`);
    parts.push(s.sql);
  }
  return `${parts.join('\n')}\n`;
}

/** Snapshot file name → content, one file per source file, cases in catalogue order. */
export async function renderSqlSnapshots(): Promise<Map<string, string>> {
  const bySource = new Map<string, SnapshotStatement[]>();
  for (const c of SQL_CATALOGUE) {
    const statements = await runCase(c);
    bySource.set(c.source, [...(bySource.get(c.source) ?? []), ...statements]);
  }
  const files = new Map<string, string>();
  for (const [source, statements] of bySource) files.set(snapshotFileOf(source), renderFile(source, statements));
  return files;
}

/** `repositories/wallet.repository.ts` → `wallet.repository.sql`. */
function snapshotFileOf(source: string): string {
  return source.slice(source.lastIndexOf('/') + 1).replace(/\.ts$/, '.sql');
}

/** packages/adapters/sql, where the snapshots are checked in. */
export const SQL_SNAPSHOT_DIR = fileURLToPath(new URL('../sql', import.meta.url));
