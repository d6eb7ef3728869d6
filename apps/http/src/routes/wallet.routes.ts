import { balanceHistoryEntrySchema, balanceSchema, chargeSchema } from '@storefront/application';
import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { answerPage } from '../routing/cursor';
import { actsForPathUser, bearer, type App, type RouteContext } from '../routing/route-context';
import { AUTHORIZED, failures, IDEMPOTENT, INVALID, ok, WITH_BODY } from '../routing/responses';
import { idempotencyHeaders, idParam, pageOf, pageQuery } from '../routing/schemas';

const userParams = z.object({ userId: idParam('User id', 42) });

export function walletRoutes(app: App, ctx: RouteContext): void {
  const user = requireToken(ctx.tokens, 'user');

  app.get('/users/:userId/balance', {
    schema: {
      operationId: 'getBalance',
      tags: ['wallet'],
      summary: "A user's balance",
      description: 'The balance in won; a user who never charged has balance 0. The token must be that user, or an admin.',
      security: bearer,
      params: userParams,
      response: { 200: ok(balanceSchema, 'The balance now'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: (request) => ctx.useCases.getBalance.execute({ userId: request.params.userId }),
  });

  app.post('/users/:userId/balance/charge', {
    schema: {
      operationId: 'chargeBalance',
      tags: ['wallet'],
      summary: 'Charge the wallet',
      description:
        'Adds `amount` won and writes a CHARGE history row. A charge that would take the balance above MAX_BALANCE is refused and changes nothing. Safe to retry with an Idempotency-Key.',
      security: bearer,
      params: userParams,
      headers: idempotencyHeaders,
      body: z
        .object({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: 'Won to add', examples: [50_000] }) })
        .strict(),
      response: {
        200: ok(chargeSchema, 'The charge is booked: the new balance and its history row'),
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'BALANCE_LIMIT_EXCEEDED'),
      },
    },
    onRequest: user,
    preHandler: [actsForPathUser, ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(request, reply, 200, (writes) => writes.chargeBalance.execute({ userId: request.params.userId, amount: request.body.amount })),
  });

  app.get('/users/:userId/balance/history', {
    schema: {
      operationId: 'listBalanceHistory',
      tags: ['wallet'],
      summary: 'Changes of the balance, newest first',
      description: 'One row per change of the balance: charges, order payments and refunds, a page at a time.',
      security: bearer,
      params: userParams,
      querystring: pageQuery,
      response: { 200: ok(pageOf(balanceHistoryEntrySchema), 'A page of history rows, newest first'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.getBalanceHistory.execute({ userId: request.params.userId, page }));
    },
  });
}
