import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { DB } from './database.schema';

const ARGUMENT = Symbol('argument');
type Placeholder = { readonly [ARGUMENT]: string };

const isPlaceholder = (value: unknown): value is Placeholder => typeof value === 'object' && value !== null && ARGUMENT in value;

/**
 * A statement of a hot path whose shape never depends on its arguments, built with Kysely once:
 * the first call builds and compiles it with a placeholder for each argument, and every call binds
 * its arguments to that same SQL. Building and compiling a query is most of what Kysely costs per
 * statement; the SQL is exactly the builder's (and so are the snapshots). Arguments must be
 * values used as they are (no branching on them, no arithmetic in JavaScript).
 */
export function compiledOnce<A extends Record<string, unknown>, R>(build: (db: Kysely<DB>, args: A) => Compilable<R>): (db: Kysely<DB>, args: A) => CompiledQuery<R> {
  let template: { sql: string; slots: ({ argument: string } | { value: unknown })[] } | undefined;
  return (db, args) => {
    if (template === undefined) {
      const placeholders = new Proxy({}, { get: (_, name): Placeholder => ({ [ARGUMENT]: String(name) }) }) as A;
      const compiled = build(db, placeholders).compile();
      template = { sql: compiled.sql, slots: compiled.parameters.map((p) => (isPlaceholder(p) ? { argument: p[ARGUMENT] } : { value: p })) };
    }
    return CompiledQuery.raw(
      template.sql,
      template.slots.map((slot) => ('argument' in slot ? args[slot.argument] : slot.value)),
    );
  };
}
