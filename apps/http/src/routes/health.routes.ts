import { z } from 'zod';
import { HttpErrorCode, HttpProblem } from '../errors/problem';
import type { App, RouteContext } from '../routing/route-context';
import { failures, ok } from '../routing/responses';

const NOT_READY_RETRY_AFTER_SECONDS = 1;

const healthy = z.object({ status: z.literal('ok') }).meta({ id: 'Health', examples: [{ status: 'ok' }] });

export function healthRoutes(app: App, ctx: RouteContext): void {
  app.get('/health/live', {
    schema: {
      operationId: 'getLiveness',
      tags: ['health'],
      summary: 'The process is up',
      description: 'Answers while the process runs, whatever the state of the database.',
      response: { 200: ok(healthy, 'The process is up'), ...failures() },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/health/ready', {
    schema: {
      operationId: 'getReadiness',
      tags: ['health'],
      summary: 'The database answers',
      description: 'Ready to serve: the database answered a query within its time budget.',
      response: { 200: ok(healthy, 'The database answers'), ...failures() },
    },
    handler: async (_request, reply) => {
      if (!(await ctx.readiness())) {
        // Like every 503 of the API: the client (a load balancer, a probe) learns when to ask again.
        reply.header('retry-after', String(NOT_READY_RETRY_AFTER_SECONDS));
        throw new HttpProblem(HttpErrorCode.Unavailable, 'The database is not reachable');
      }
      return { status: 'ok' as const };
    },
  });
}
