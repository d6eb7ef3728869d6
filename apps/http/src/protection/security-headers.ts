import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets for `options`, computed once. Helmet is a middleware that writes
 * headers on a response; with static options (no directive is a function of the request) it
 * writes the same ones on every response, so they are read once from a stand-in response and
 * every answer gets that set. (@fastify/helmet built a fresh helmet middleware, parsing every
 * option again, on every request: a sixth of a charge's CPU in the service.)
 *
 * Throws when helmet refuses the options, or would not answer synchronously: a policy that
 * depends on the request cannot be computed once.
 */
export function securityHeadersOf(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? Object.values(csp.directives ?? {}) : [];
  if (directives.some((value) => typeof value === 'function' || (Array.isArray(value) && value.some((entry) => typeof entry === 'function')))) {
    throw new Error('A Content-Security-Policy directive computed per request cannot be set once');
  }
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
      return response;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let outcome: { error: unknown } | undefined;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    outcome = { error };
  });
  if (outcome === undefined) throw new Error('helmet did not answer synchronously: its headers cannot be computed once');
  if (outcome.error !== undefined) throw outcome.error instanceof Error ? outcome.error : new Error('helmet refused its options', { cause: outcome.error });
  return Object.freeze(headers);
}
