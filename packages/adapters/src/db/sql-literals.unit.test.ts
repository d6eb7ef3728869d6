import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inlinedText, inlinedTimestamp, withIntegersInlined } from './sql-literals';

describe('withIntegersInlined', () => {
  it('writes non-negative integers in place of their parameters', () => {
    expect(withIntegersInlined(CompiledQuery.raw('select $1, $2, $10', [7, 0, 1, 2, 3, 4, 5, 6, 7, 42]))).toBe('select 7, 0, 42');
  });

  it.each([['text'], [-1], [1.5], [Number.MAX_SAFE_INTEGER + 1], [null], [new Date(0)]])('refuses %s', (value) => {
    expect(() => withIntegersInlined(CompiledQuery.raw('select $1', [value]))).toThrow(/cannot travel inlined/);
  });
});

describe('inlinedText', () => {
  it('quotes a string so that it reads back as itself', () => {
    expect(inlinedText("O'Brien's keyboard", 'A name')).toBe("'O''Brien''s keyboard'");
    expect(inlinedText('back\\slash', 'A name')).toBe(" E'back\\\\slash'");
  });

  it('refuses what is not a string', () => {
    expect(() => inlinedText(['a'] as never, 'A name')).toThrow(/not a string/);
  });

  it('refuses a NUL, which would end the message', () => {
    expect(() => inlinedText('a\0b', 'A name')).toThrow(/NUL/);
  });
});

describe('inlinedTimestamp', () => {
  it('writes a timestamptz in UTC to the millisecond', () => {
    expect(inlinedTimestamp(new Date('2026-11-24T09:00:00.123Z'), 'The time')).toBe("'2026-11-24T09:00:00.123Z'::timestamptz");
  });

  it('refuses an invalid date', () => {
    expect(() => inlinedTimestamp(new Date(Number.NaN), 'The time')).toThrow(/not a valid time/);
  });
});
