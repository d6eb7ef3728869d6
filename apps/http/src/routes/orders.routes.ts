import { z } from 'zod';
import { assertActsFor, principalOf, requireToken } from '../auth/authentication';
import { pageAnswer, presentOrder } from '../http/presenters';
import { actsForPathUser, bearer, type App, type RouteContext } from '../http/route-context';
import { idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId, problems, won } from '../http/schemas';

export const orderSchema = z
  .object({
    orderId: positiveId,
    userId: positiveId,
    status: z.enum(['PAID']),
    items: z.array(z.object({ productId: positiveId, name: z.string(), unitPrice: won, quantity: won, amount: won })),
    totalAmount: won,
    discountAmount: won,
    paidAmount: won,
    userCouponId: positiveId.nullable(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'Order' });

const newOrder = z
  .object({
    userId: positiveId,
    items: z
      .array(z.object({ productId: positiveId, quantity: z.number().int().min(1).max(1000) }).strict())
      .min(1)
      .max(50)
      .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, 'productIds must be distinct'),
    userCouponId: positiveId.nullable().optional(),
  })
  .strict();

export function orderRoutes(app: App, ctx: RouteContext): void {
  const user = requireToken(ctx.tokens, 'user');

  app.post('/orders', {
    schema: {
      tags: ['orders'],
      summary: 'Place and pay an order from the wallet (idempotent with Idempotency-Key)',
      security: bearer,
      headers: idempotencyHeaders,
      body: newOrder,
      response: { 201: orderSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
    },
    onRequest: user,
    preHandler: [async (request) => assertActsFor(request.principal, request.body.userId), ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: (request, reply) => {
      const { userId, items, userCouponId } = request.body;
      return ctx.idempotency.respond(request, reply, 201, (writes) => writes.placeOrder.execute({ userId, items, userCouponId: userCouponId ?? null }), presentOrder);
    },
  });

  app.get('/orders/:orderId', {
    schema: {
      tags: ['orders'],
      summary: "One order (another user's order is 404)",
      security: bearer,
      params: z.object({ orderId: idParam('Order id') }),
      response: { 200: orderSchema, ...problems(400, 401, 404) },
    },
    onRequest: user,
    handler: async (request) => {
      const principal = principalOf(request);
      const viewer = { userId: principal.userId, isAdmin: principal.role === 'admin' };
      return presentOrder(await ctx.useCases.getOrder.execute({ orderId: request.params.orderId, viewer }));
    },
  });

  app.get('/users/:userId/orders', {
    schema: {
      tags: ['orders'],
      summary: "A user's orders, newest first",
      security: bearer,
      params: z.object({ userId: idParam('User id') }),
      querystring: pageQuery,
      response: { 200: pageOf(orderSchema), ...problems(400, 401, 403) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.listUserOrders.execute({ userId: request.params.userId, page }), ctx.cursors, presentOrder);
    },
  });
}
