import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import { describe, expect, it } from 'vitest';
import { securityHeadersOf } from '../src/protection/security-headers';

/** What helmet's own middleware writes on a real response. */
function writtenByHelmet(options: HelmetOptions): Record<string, string> {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  response.setHeader('x-powered-by', 'something');
  helmet(options)(response.req, response, () => undefined);
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
}

describe('security headers computed once', () => {
  it.each<[string, HelmetOptions]>([
    ['defaults', {}],
    ['the API', { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }, crossOriginResourcePolicy: { policy: 'same-origin' } }],
    ['CORS open', { crossOriginResourcePolicy: { policy: 'cross-origin' }, strictTransportSecurity: { maxAge: 60 } }],
  ])('are exactly what helmet writes on a response (%s)', (_name, options) => {
    expect(securityHeadersOf(options)).toEqual(writtenByHelmet(options));
  });

  it('refuses a policy computed per request', () => {
    expect(() => securityHeadersOf({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } } })).toThrow(/per request/);
  });

  it('refuses options helmet refuses', () => {
    expect(() => securityHeadersOf({ referrerPolicy: { policy: 'bogus' as 'no-referrer' } })).toThrow(/bogus/);
  });
});
