import { z } from 'zod';
import { HttpErrorCode, HttpProblem } from '../errors/problem';
import type { App, RouteContext } from '../http/route-context';
import { failures, NEEDS_DATABASE, ok } from '../http/responses';

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
      response: { 200: ok(healthy, 'The database answers'), ...failures(NEEDS_DATABASE) },
    },
    handler: async () => {
      if (!(await ctx.readiness())) throw new HttpProblem(HttpErrorCode.Unavailable, 'The database is not reachable');
      return { status: 'ok' as const };
    },
  });
}
