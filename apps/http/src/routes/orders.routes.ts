import { z } from 'zod';
import { assertActsFor, principalOf, requireToken } from '../auth/authentication';
import { pageAnswer, presentOrder, presentRefund } from '../http/presenters';
import { actsForPathUser, bearer, type App, type RouteContext } from '../http/route-context';
import { freeText, idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId, problems, won } from '../http/schemas';

const orderStatus = z.enum(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED']);

export const refundSchema = z
  .object({
    refundId: positiveId,
    orderId: positiveId,
    items: z.array(z.object({ productId: positiveId, quantity: won, amount: won })),
    amount: won,
    restocked: z.boolean(),
    reason: z.string().nullable(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'Refund' });

export const orderSchema = z
  .object({
    orderId: positiveId,
    userId: positiveId,
    status: orderStatus,
    items: z.array(
      z.object({
        productId: positiveId,
        name: z.string(),
        unitPrice: won,
        quantity: won,
        amount: won,
        paidAmount: won.meta({ description: "The line's share of the order's paidAmount" }),
        refundedQuantity: won,
      }),
    ),
    totalAmount: won,
    discountAmount: won,
    paidAmount: won,
    refundedAmount: won,
    userCouponId: positiveId.nullable(),
    refunds: z.array(refundSchema),
    createdAt: isoDateTime,
    cancelledAt: isoDateTime.nullable(),
  })
  .meta({ id: 'Order' });

/** 1..50 lines of distinct products, 1..1000 units each: an order's lines, or a refund's. */
const requestedLines = z
  .array(z.object({ productId: positiveId, quantity: z.number().int().min(1).max(1000) }).strict())
  .min(1)
  .max(50)
  .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, 'productIds must be distinct');

const newOrder = z
  .object({
    userId: positiveId,
    items: requestedLines,
    userCouponId: positiveId.nullable().optional(),
  })
  .strict();

const reason = freeText(500).optional().meta({ description: 'Why, in at most 500 characters' });

const newRefund = z
  .object({
    items: requestedLines,
    restock: z.boolean().optional().meta({ description: 'Put the units back into stock (default true)' }),
    reason,
  })
  .strict();

export function orderRoutes(app: App, ctx: RouteContext): void {
  const user = requireToken(ctx.tokens, 'user');
  const admin = requireToken(ctx.tokens, 'admin');
  const orderParams = z.object({ orderId: idParam('Order id') });

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

  app.post('/orders/:orderId/cancel', {
    schema: {
      tags: ['orders'],
      summary: 'Cancel a PAID order without refunds: stock, money and coupon back (idempotent with Idempotency-Key)',
      security: bearer,
      headers: idempotencyHeaders,
      params: orderParams,
      body: z.object({ reason }).strict().meta({ description: 'Optional: a POST without a body cancels without a reason' }),
      response: { 200: orderSchema, ...problems(400, 401, 404, 409, 413, 415, 422) },
    },
    onRequest: user,
    // A missing body (which Fastify reads as null) is an empty one: no reason given.
    preValidation: async (request) => {
      request.body ??= {};
    },
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) => {
      const principal = principalOf(request);
      const actor = { userId: principal.userId, isAdmin: principal.role === 'admin' };
      return ctx.idempotency.respond(
        request,
        reply,
        200,
        (writes) => writes.cancelOrder.execute({ orderId: request.params.orderId, actor, reason: request.body.reason ?? null }),
        presentOrder,
      );
    },
  });

  app.post('/admin/orders/:orderId/refunds', {
    schema: {
      tags: ['admin'],
      summary: "Refund some units of an order: each unit's exact share of its line's paid amount (idempotent with Idempotency-Key)",
      security: bearer,
      headers: idempotencyHeaders,
      params: orderParams,
      body: newRefund,
      response: { 201: refundSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) => {
      const { items, restock, reason: why } = request.body;
      return ctx.idempotency.respond(
        request,
        reply,
        201,
        (writes) => writes.refundOrder.execute({ orderId: request.params.orderId, items, restock: restock ?? true, reason: why ?? null }),
        presentRefund,
      );
    },
  });

  app.get('/admin/orders', {
    schema: {
      tags: ['admin'],
      summary: 'Every order, newest first, optionally of one status or one user',
      security: bearer,
      querystring: pageQuery.extend({ status: orderStatus.optional(), userId: idParam('Only the orders of this user').optional() }),
      response: { 200: pageOf(orderSchema), ...problems(400, 401, 403) },
    },
    onRequest: admin,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      const orders = await ctx.useCases.listOrders.execute({ status: request.query.status ?? null, userId: request.query.userId ?? null, page });
      return pageAnswer(orders, ctx.cursors, presentOrder);
    },
  });
}
