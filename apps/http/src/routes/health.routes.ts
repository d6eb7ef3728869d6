import { z } from 'zod';
import { HttpErrorCode, HttpProblem } from '../errors/problem';
import type { App, RouteContext } from '../http/route-context';
import { problems } from '../http/schemas';

const ok = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export function healthRoutes(app: App, ctx: RouteContext): void {
  app.get('/health/live', {
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: ok } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/health/ready', {
    schema: { tags: ['health'], summary: 'The database answers', response: { 200: ok, ...problems(503) } },
    handler: async () => {
      if (!(await ctx.readiness())) throw new HttpProblem(HttpErrorCode.Unavailable, 'The database is not reachable');
      return { status: 'ok' as const };
    },
  });
}
