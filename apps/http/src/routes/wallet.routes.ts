import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { presentBalance, presentHistoryEntry, pageAnswer } from '../http/presenters';
import { actsForPathUser, bearer, type App, type RouteContext } from '../http/route-context';
import { idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId, problems, won } from '../http/schemas';

const userParams = z.object({ userId: idParam('User id') });

const balance = z.object({ userId: positiveId, balance: won, updatedAt: isoDateTime }).meta({ id: 'Balance' });
const charged = z.object({ userId: positiveId, balance: won, chargedAmount: won, transactionId: z.string() }).meta({ id: 'Charge' });
const historyEntry = z
  .object({
    transactionId: z.string(),
    type: z.enum(['CHARGE', 'PAYMENT', 'REFUND']),
    amount: won,
    balanceAfter: won,
    orderId: positiveId.nullable(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'BalanceHistoryEntry' });


export function walletRoutes(app: App, ctx: RouteContext): void {
  const user = requireToken(ctx.tokens, 'user');

  app.get('/users/:userId/balance', {
    schema: {
      tags: ['wallet'],
      summary: "A user's balance (0 for a user who never charged)",
      security: bearer,
      params: userParams,
      response: { 200: balance, ...problems(400, 401, 403) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => presentBalance(await ctx.useCases.getBalance.execute({ userId: request.params.userId })),
  });

  app.post('/users/:userId/balance/charge', {
    schema: {
      tags: ['wallet'],
      summary: 'Charge the wallet (idempotent with Idempotency-Key)',
      security: bearer,
      params: userParams,
      headers: idempotencyHeaders,
      body: z.object({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
      response: { 200: charged, ...problems(400, 401, 403, 409, 413, 415, 422) },
    },
    onRequest: user,
    preHandler: [actsForPathUser, ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(request, reply, 200, (writes) => writes.chargeBalance.execute({ userId: request.params.userId, amount: request.body.amount })),
  });

  app.get('/users/:userId/balance/history', {
    schema: {
      tags: ['wallet'],
      summary: 'Changes of the balance, newest first',
      security: bearer,
      params: userParams,
      querystring: pageQuery,
      response: { 200: pageOf(historyEntry), ...problems(400, 401, 403) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.getBalanceHistory.execute({ userId: request.params.userId, page }), ctx.cursors, presentHistoryEntry);
    },
  });
}
