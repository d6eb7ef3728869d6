import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withIntegersInlined } from './sql-literals';

describe('withIntegersInlined', () => {
  it('writes non-negative integers in place of their parameters', () => {
    expect(withIntegersInlined(CompiledQuery.raw('select $1, $2, $10', [7, 0, 1, 2, 3, 4, 5, 6, 7, 42]))).toBe('select 7, 0, 42');
  });

  it.each([['text'], [-1], [1.5], [Number.MAX_SAFE_INTEGER + 1], [null], [new Date(0)]])('refuses %s', (value) => {
    expect(() => withIntegersInlined(CompiledQuery.raw('select $1', [value]))).toThrow(/cannot travel inlined/);
  });
});
