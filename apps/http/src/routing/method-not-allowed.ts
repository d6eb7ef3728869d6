import type { FastifyInstance } from 'fastify';
import { HttpErrorCode, problem } from '../errors/problem';
import { sendProblem } from '../errors/error-handler';

/** Methods a client may try on a path; OPTIONS stays with CORS preflight. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A known path called with a method it does not serve answers 405 with `Allow` (RFC 9110), not
 * 404: the client got the address right and should learn which methods it takes. Each path of
 * the API gets a hidden route for its other methods, registered after every real route.
 */
export function answerWrongMethods(app: FastifyInstance, routes: ReadonlyArray<{ method: string; url: string }>): void {
  const allowedByPath = new Map<string, Set<string>>();
  for (const { method, url } of routes) {
    const allowed = allowedByPath.get(url) ?? new Set<string>();
    allowed.add(method);
    if (method === 'GET') allowed.add('HEAD');
    allowedByPath.set(url, allowed);
  }
  for (const [url, allowed] of allowedByPath) {
    const others = METHODS.filter((method) => !allowed.has(method));
    if (others.length === 0) continue;
    const allow = [...allowed].sort().join(', ');
    app.route({
      method: others,
      url,
      schema: { hide: true },
      handler: (request, reply) => {
        reply.header('allow', allow);
        return sendProblem(reply, problem(HttpErrorCode.MethodNotAllowed, `${request.method} is not allowed on this path; it takes ${allow}`));
      },
    });
  }
}
