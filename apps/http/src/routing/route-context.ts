import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { assertActsFor, type TokenVerifier } from '../auth/authentication';
import type { AppDependencies, UseCases } from '../dependencies';
import type { IdempotencyGuard } from '../idempotency/idempotency';
import type { CursorCodec } from './cursor';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What a route module gets: the use cases and the edge's shared helpers. */
export interface RouteContext {
  useCases: UseCases;
  tokens: TokenVerifier;
  idempotency: IdempotencyGuard;
  cursors: CursorCodec;
  readiness: AppDependencies['readiness'];
}

/** OpenAPI security requirement of a route that needs a bearer token. */
export const bearer = [{ bearerAuth: [] }];

/** preHandler of `/users/{userId}/...`: the token's user must be the path's, or an admin (a callback hook: no promise). */
export function actsForPathUser(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  try {
    assertActsFor(request.principal, (request.params as { userId: number }).userId);
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
}
