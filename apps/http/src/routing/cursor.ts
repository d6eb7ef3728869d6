import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Page, PageRequest } from '@storefront/application';
import { ErrorCode } from '@storefront/domain';
import { HttpProblem } from '../errors/problem';

/**
 * Opaque page cursors: `<base64url of the page key>.<first 16 bytes of its HMAC>`. The key is
 * the store's keyset position; signing it means a client cannot forge one (a tampered cursor is
 * a 400, never a 500 nor a surprising page), and every instance sharing the secret accepts it.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', 'storefront-cursor').update(secret).digest();
  }

  encode(after: number | null): string | null {
    if (after === null) return null;
    const payload = Buffer.from(String(after)).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  decode(cursor: string | undefined): number | null {
    if (cursor === undefined) return null;
    const [payload, signature, extra] = cursor.split('.');
    if (payload && signature && extra === undefined) {
      const given = Buffer.from(signature, 'base64url');
      const expected = this.sign(payload);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        const text = Buffer.from(payload, 'base64url').toString('utf8');
        const after = Number(text);
        if (/^-?[0-9]{1,16}$/.test(text) && Number.isSafeInteger(after)) return after;
      }
    }
    throw new HttpProblem(ErrorCode.ValidationFailed, 'The cursor is not valid', [{ path: 'cursor', message: 'not a cursor this service issued' }]);
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, 16);
  }
}

/** The query of a paged route, as `pageQuery` (routing/schemas.ts) parses it. */
interface PageQuery {
  limit: number;
  cursor?: string | undefined;
}

/**
 * A paged route's answer: reads the page its query asks for (a size, and the signed cursor of the
 * previous page's last key) and answers that page's items with the cursor of the next one.
 */
export async function answerPage<T>(
  cursors: CursorCodec,
  query: PageQuery,
  read: (page: PageRequest) => Promise<Page<T>>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const page = await read({ limit: query.limit, after: cursors.decode(query.cursor) });
  return { items: page.items, nextCursor: cursors.encode(page.nextAfter) };
}
