import type { CompiledQuery } from 'kysely';

/**
 * `value`, checked fit to be written into SQL text in place of a parameter: a non-negative safe
 * integer, whose text cannot be anything but a number (no sign to make `- -1` or `--1` of a minus
 * before it), so nothing needs escaping. Anything else is refused.
 */
export function inlinedInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} (${String(value)}) is not a non-negative integer, so it cannot travel inlined`);
  return value;
}

/** `query`'s SQL with each `$n` replaced by its value, each an `inlinedInteger`. */
export function withIntegersInlined(query: CompiledQuery): string {
  return query.sql.replace(/\$(\d+)/g, (_, n: string) => String(inlinedInteger(query.parameters[Number(n) - 1], `Parameter $${n}`)));
}
