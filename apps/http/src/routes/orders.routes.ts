import { z } from 'zod';
import { assertActsFor, principalOf, requireToken } from '../auth/authentication';
import { pageAnswer, presentOrder } from '../http/presenters';
import { actsForPathUser, bearer, type App, type RouteContext } from '../http/route-context';
import { AUTHORIZED, failures, IDEMPOTENT, INVALID, NEEDS_DATABASE, ok, WITH_BODY } from '../http/responses';
import { idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId, won } from '../http/schemas';

export const orderSchema = z
  .object({
    orderId: positiveId,
    userId: positiveId,
    status: z.enum(['PAID']),
    items: z.array(z.object({ productId: positiveId, name: z.string(), unitPrice: won, quantity: z.number().int().min(1).max(1000), amount: won })).min(1).max(50),
    totalAmount: won,
    discountAmount: won,
    paidAmount: won,
    userCouponId: positiveId.nullable(),
    createdAt: isoDateTime,
  })
  .meta({
    id: 'Order',
    examples: [
      {
        orderId: 1024,
        userId: 42,
        status: 'PAID',
        items: [
          { productId: 12, name: 'Espresso beans 1 kg', unitPrice: 28_000, quantity: 1, amount: 28_000 },
          { productId: 7, name: 'Pour-over kettle', unitPrice: 45_000, quantity: 1, amount: 45_000 },
        ],
        totalAmount: 73_000,
        discountAmount: 5_000,
        paidAmount: 68_000,
        userCouponId: 77,
        createdAt: '2026-11-24T09:15:02.000Z',
      },
    ],
  });

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
      operationId: 'placeOrder',
      tags: ['orders'],
      summary: 'Place and pay an order from the wallet',
      description:
        'All or nothing, in one transaction: the stock of every line is taken, the coupon (if any) is used, the wallet is debited and an `order.paid` event is written. A refusal changes nothing. Safe to retry with an Idempotency-Key.',
      security: bearer,
      headers: idempotencyHeaders,
      body: newOrder,
      response: {
        201: ok(orderSchema, 'The order, paid'),
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'PRODUCT_NOT_FOUND', 'OUT_OF_STOCK', 'COUPON_NOT_USABLE', 'INSUFFICIENT_BALANCE', NEEDS_DATABASE),
      },
    },
    onRequest: user,
    preHandler: [async (request) => assertActsFor(request.principal, request.body.userId), ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: async (request, reply) => {
      const { userId, items, userCouponId } = request.body;
      const order = await ctx.useCases.placeOrder.execute({ userId, items, userCouponId: userCouponId ?? null });
      return reply.code(201).send(presentOrder(order));
    },
  });

  app.get('/orders/:orderId', {
    schema: {
      operationId: 'getOrder',
      tags: ['orders'],
      summary: 'One order',
      description: "An order of the token's user (any order for an admin); another user's order is a 404, as if it did not exist.",
      security: bearer,
      params: z.object({ orderId: idParam('Order id', 1024) }),
      response: { 200: ok(orderSchema, 'The order'), ...failures(INVALID, 'UNAUTHENTICATED', 'ORDER_NOT_FOUND', NEEDS_DATABASE) },
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
      operationId: 'listUserOrders',
      tags: ['orders'],
      summary: "A user's orders, newest first",
      description: 'The orders of one user, a page at a time. The token must be that user, or an admin.',
      security: bearer,
      params: z.object({ userId: idParam('User id', 42) }),
      querystring: pageQuery,
      response: { 200: ok(pageOf(orderSchema), "A page of the user's orders, newest first"), ...failures(INVALID, AUTHORIZED, NEEDS_DATABASE) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.listUserOrders.execute({ userId: request.params.userId, page }), ctx.cursors, presentOrder);
    },
  });
}
