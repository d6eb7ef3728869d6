import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode, isDomainError } from './domain-error';

describe('DomainError', () => {
  it('is an Error with its code, message and details, and no stack frames', () => {
    const error = new DomainError(ErrorCode.OutOfStock, 'Product 7 has only 1 left', { productId: 7 });
    expect(error).toBeInstanceOf(Error);
    expect(isDomainError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'OUT_OF_STOCK', message: 'Product 7 has only 1 left', details: { productId: 7 }, name: 'DomainError' });
    expect(error.stack ?? '').not.toMatch(/\n\s+at /);
  });

  it('leaves the stack traces of every other error as they were', () => {
    new DomainError(ErrorCode.NotFound, 'gone');
    expect(new Error('a bug').stack).toMatch(/\n\s+at /);
  });
});
