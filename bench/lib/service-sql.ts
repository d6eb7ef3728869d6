import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The pgbench ceilings run the service's own statements: bench/sql/*.sql are templates whose
 * `-- @sql` blocks name a statement of the SQL snapshots (packages/adapters/sql, written from
 * the code by `pnpm sql:snapshot`) and bind its parameters to pgbench variables or SQL; this
 * module expands them into plain pgbench scripts just before a run. A statement the service
 * changes therefore changes the ceiling with it, and a parameter the template no longer binds
 * (or binds in vain) stops the bench with a message instead of measuring something else.
 *
 * A block:
 *
 *   -- @sql PgWalletRepository.lockForUser \gset w_      (a method with one statement)
 *   --   userId: :u                                        (a parameter the snapshot names)
 *   --   now: now()
 *   -- @sql KyselyUnitOfWork.run#2                         (the 2nd statement of a method)
 *   -- @sql PgOutboxRepository.append
 *   --   data: json_build_object('orderId', :o_id,
 *   --     'status', 'PAID')::jsonb                        (deeper indent continues a binding)
 *
 * Parameters the snapshot shows as constants (`$2 = 0`) keep the service's constant; `$n: …`
 * binds one anyway (needed where the service makes up a value, such as a fresh uuid).
 */

const SNAPSHOT_DIR = fileURLToPath(new URL('../../packages/adapters/sql', import.meta.url));

type Parameter = { kind: 'argument'; name: string } | { kind: 'constant'; sql: string };

export interface ServiceStatement {
  name: string;
  index: number;
  count: number;
  sql: string;
  parameters: Parameter[];
  /** The snapshot file, for the comment in the expanded script. */
  file: string;
}

const HEADER = /^-- (.+?)(?: \[(\d+)\/(\d+)\])?$/;
const PARAMETER = /^\$(\d+) (?:= (.*)|(.+))$/;

/** Reads every statement of the snapshots; blocks are separated by blank lines, the first is the file's header. */
export function readServiceStatements(dir: string = SNAPSHOT_DIR): ServiceStatement[] {
  const statements: ServiceStatement[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.sql')).sort()) {
    const blocks = readFileSync(join(dir, file), 'utf8').trimEnd().split(/\n\n+/).slice(1);
    for (const block of blocks) {
      const lines = block.split('\n');
      const header = HEADER.exec(lines[0] ?? '');
      if (!header) throw new Error(`${file}: a block that does not start with its method: ${lines[0]}`);
      const hasParameters = lines[1]?.startsWith('-- $') === true;
      const parameters = hasParameters
        ? lines[1]!
            .slice(3)
            .split(' · ')
            .map((text): Parameter => {
              const match = PARAMETER.exec(text);
              if (!match) throw new Error(`${file}: cannot read parameter "${text}"`);
              return match[2] !== undefined ? { kind: 'constant', sql: match[2] } : { kind: 'argument', name: match[3]! };
            })
        : [];
      statements.push({
        name: header[1]!,
        index: Number(header[2] ?? 1),
        count: Number(header[3] ?? 1),
        sql: lines.slice(hasParameters ? 2 : 1).join('\n'),
        parameters,
        file,
      });
    }
  }
  return statements;
}

interface Block {
  name: string;
  index: number | null;
  gset: string | null;
  bindings: Map<string, string>;
  line: number;
}

const DIRECTIVE = /^-- @sql (.+?)(?:#(\d+))?(?: (\\gset(?: \w+)?))?\s*$/;
const CONTINUATION = /^-- {5,}(.*)$/;
const BINDING = /^-- {3}(\S.*?): (.*)$/;

/** A template with its `-- @sql` blocks replaced by the snapshots' statements, parameters bound. */
export function expandServiceSql(template: string, statements: readonly ServiceStatement[], where = 'template'): string {
  const lines = template.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const directive = DIRECTIVE.exec(lines[i]!);
    if (!directive) {
      out.push(lines[i]!);
      continue;
    }
    const block: Block = { name: directive[1]!, index: directive[2] ? Number(directive[2]) : null, gset: directive[3] ?? null, bindings: new Map(), line: i + 1 };
    let last: string | null = null;
    for (; i + 1 < lines.length; i++) {
      const next = lines[i + 1]!;
      const continuation = CONTINUATION.exec(next);
      if (continuation && last !== null) {
        block.bindings.set(last, `${block.bindings.get(last)}\n  ${continuation[1]}`);
        continue;
      }
      const binding = BINDING.exec(next);
      if (!binding) break;
      last = binding[1]!;
      block.bindings.set(last, binding[2]!);
    }
    out.push(...render(block, statements, where));
  }
  return out.join('\n');
}

function render(block: Block, statements: readonly ServiceStatement[], where: string): string[] {
  const at = `${where}:${block.line}`;
  const candidates = statements.filter((s) => s.name === block.name);
  if (candidates.length === 0) throw new Error(`${at}: no statement of ${block.name} in packages/adapters/sql (run \`pnpm sql:snapshot\`?)`);
  if (block.index === null && candidates.length > 1) {
    throw new Error(`${at}: ${block.name} runs ${candidates.length} statements; say which with ${block.name}#<1..${candidates.length}>`);
  }
  const statement = candidates.find((s) => s.index === (block.index ?? 1));
  if (!statement) throw new Error(`${at}: ${block.name} has no statement ${block.index}`);

  const used = new Set<string>();
  const valueOf = (n: number): string => {
    const parameter = statement.parameters[n - 1];
    if (!parameter) throw new Error(`${at}: ${block.name} has no parameter $${n}`);
    const byPosition = block.bindings.get(`$${n}`);
    if (byPosition !== undefined) {
      used.add(`$${n}`);
      return byPosition;
    }
    if (parameter.kind === 'constant') {
      if (parameter.sql.startsWith('<')) throw new Error(`${at}: ${block.name} binds ${parameter.sql} as $${n}; bind it with "$${n}: …"`);
      return parameter.sql;
    }
    const bound = block.bindings.get(parameter.name);
    if (bound === undefined) throw new Error(`${at}: ${block.name} takes ${parameter.name} ($${n}); bind it with "${parameter.name}: …"`);
    used.add(parameter.name);
    return bound;
  };
  const sql = statement.sql.replace(/\$(\d+)/g, (_, n: string) => valueOf(Number(n)));
  const unused = [...block.bindings.keys()].filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`${at}: ${block.name} takes no ${unused.join(', ')} (its parameters: ${parameterList(statement)})`);

  const label = `${statement.name}${statement.count > 1 ? ` [${statement.index}/${statement.count}]` : ''}`;
  const comment = `-- ${label}, from packages/adapters/sql/${statement.file}`;
  // Several commands the service sends in one round trip (BEGIN with its guards): a prepared
  // statement holds one command (`\;` fails under -M prepared), so pgbench pipelines them,
  // still one round trip.
  const commands = sql.replace(/;$/, '').split(/;\s+(?=\S)/);
  if (commands.length > 1) {
    if (block.gset) throw new Error(`${at}: ${block.name} sends ${commands.length} commands at once; \\gset cannot follow them`);
    return [comment, '\\startpipeline', ...commands.map((command) => `${command};`), '\\endpipeline'];
  }
  return [comment, `${commands[0]}${block.gset ? ` ${block.gset}` : ';'}`];
}

function parameterList(statement: ServiceStatement): string {
  return statement.parameters.map((p, i) => `$${i + 1} ${p.kind === 'argument' ? p.name : `= ${p.sql}`}`).join(', ') || 'none';
}
