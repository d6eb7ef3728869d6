import type { CompiledQuery } from 'kysely';
import pg from 'pg';

/*
 * Values written into SQL text in place of parameters, for the statements that travel in a
 * simple-protocol message (a held BEGIN's, a COMMIT's), which has none. Each kind is checked or
 * quoted here, once, so that a value can only ever read as the value it is.
 */

/**
 * `value`, checked fit to be written into SQL text in place of a parameter: a non-negative safe
 * integer, whose text cannot be anything but a number (no sign to make `- -1` or `--1` of a minus
 * before it), so nothing needs escaping. Anything else is refused.
 */
export function inlinedInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} (${String(value)}) is not a non-negative integer, so it cannot travel inlined`);
  return value;
}

/**
 * `value` as a quoted string literal, by pg's own `escapeLiteral` (quotes doubled; with a
 * backslash, an `E''` literal with backslashes doubled: right whatever `standard_conforming_strings`
 * says). A NUL is refused: the protocol ends a simple query at the first one, and PostgreSQL's
 * text cannot hold it anyway.
 */
export function inlinedText(value: string, what: string): string {
  if (typeof value !== 'string') throw new RangeError(`${what} (${String(value)}) is not a string, so it cannot travel inlined as one`);
  if (value.includes('\0')) throw new RangeError(`${what} holds a NUL character, so it cannot travel inlined`);
  return pg.escapeLiteral(value);
}

/** `at` as a `timestamptz` literal, in UTC to the millisecond. */
export function inlinedTimestamp(at: Date, what: string): string {
  if (Number.isNaN(at.getTime())) throw new RangeError(`${what} is not a valid time, so it cannot travel inlined`);
  return `'${at.toISOString()}'::timestamptz`;
}

/** `query`'s SQL with each `$n` replaced by its value, each an `inlinedInteger`. */
export function withIntegersInlined(query: CompiledQuery): string {
  return query.sql.replace(/\$(\d+)/g, (_, n: string) => String(inlinedInteger(query.parameters[Number(n) - 1], `Parameter $${n}`)));
}
