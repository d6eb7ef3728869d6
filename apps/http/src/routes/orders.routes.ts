import { z } from 'zod';
import { assertActsFor, principalOf, requireToken } from '../auth/authentication';
import { pageAnswer, presentOrder, presentRefund } from '../http/presenters';
import { actsForPathUser, bearer, type App, type RouteContext } from '../http/route-context';
import { AUTHORIZED, failures, IDEMPOTENT, INVALID, ok, WITH_BODY } from '../http/responses';
import { freeText, idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId, won } from '../http/schemas';

const orderStatus = z.enum(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED']);

export const refundSchema = z
  .object({
    refundId: positiveId,
    orderId: positiveId,
    items: z
      .array(z.object({ productId: positiveId, quantity: z.number().int().min(1).max(1000), amount: won.meta({ description: "The units' exact share of the line's paidAmount" }) }))
      .min(1)
      .max(50),
    amount: won,
    restocked: z.boolean(),
    reason: z.string().nullable(),
    createdAt: isoDateTime,
  })
  .meta({
    id: 'Refund',
    examples: [
      {
        refundId: 9,
        orderId: 1024,
        items: [{ productId: 7, quantity: 1, amount: 41_918 }],
        amount: 41_918,
        restocked: true,
        reason: 'Arrived dented',
        createdAt: '2026-11-25T02:40:00.000Z',
      },
    ],
  });

/** What an order looks like in the document (a paid order of two lines with a coupon). */
export const orderExample = {
  orderId: 1024,
  userId: 42,
  status: 'PAID',
  items: [
    { productId: 12, name: 'Espresso beans 1 kg', unitPrice: 28_000, quantity: 1, amount: 28_000, paidAmount: 26_082, refundedQuantity: 0 },
    { productId: 7, name: 'Pour-over kettle', unitPrice: 45_000, quantity: 1, amount: 45_000, paidAmount: 41_918, refundedQuantity: 0 },
  ],
  totalAmount: 73_000,
  discountAmount: 5_000,
  paidAmount: 68_000,
  refundedAmount: 0,
  userCouponId: 77,
  refunds: [],
  createdAt: '2026-11-24T09:15:02.000Z',
  cancelledAt: null,
};

export const orderSchema = z
  .object({
    orderId: positiveId,
    userId: positiveId,
    status: orderStatus,
    items: z
      .array(
        z.object({
          productId: positiveId,
          name: z.string(),
          unitPrice: won,
          quantity: z.number().int().min(1).max(1000),
          amount: won,
          paidAmount: won.meta({ description: "The line's share of the order's paidAmount" }),
          refundedQuantity: won,
        }),
      )
      .min(1)
      .max(50),
    totalAmount: won,
    discountAmount: won,
    paidAmount: won,
    refundedAmount: won,
    userCouponId: positiveId.nullable(),
    refunds: z.array(refundSchema),
    createdAt: isoDateTime,
    cancelledAt: isoDateTime.nullable(),
  })
  .meta({
    id: 'Order',
    examples: [orderExample],
  });

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
  const orderParams = z.object({ orderId: idParam('Order id', 1024) });

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
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'PRODUCT_NOT_FOUND', 'OUT_OF_STOCK', 'COUPON_NOT_USABLE', 'INSUFFICIENT_BALANCE'),
      },
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
      operationId: 'getOrder',
      tags: ['orders'],
      summary: 'One order',
      description: "An order of the token's user (any order for an admin); another user's order is a 404, as if it did not exist.",
      security: bearer,
      params: orderParams,
      response: { 200: ok(orderSchema, 'The order'), ...failures(INVALID, 'UNAUTHENTICATED', 'ORDER_NOT_FOUND') },
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
      response: { 200: ok(pageOf(orderSchema), "A page of the user's orders, newest first"), ...failures(INVALID, AUTHORIZED) },
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
      operationId: 'cancelOrder',
      tags: ['orders'],
      summary: 'Cancel a PAID order that has no refunds',
      description:
        "All or nothing, in one transaction: the stock of every line comes back, the wallet is credited the order's paidAmount, the coupon is available again and an `order.cancelled` event is written. The order's user or an admin; another user's order is a 404. Safe to retry with an Idempotency-Key.",
      security: bearer,
      headers: idempotencyHeaders,
      params: orderParams,
      body: z.object({ reason }).strict().meta({ description: 'Optional: a POST without a body cancels without a reason' }),
      response: {
        200: ok(orderSchema, 'The order, now CANCELLED'),
        ...failures(WITH_BODY, 'UNAUTHENTICATED', IDEMPOTENT, 'ORDER_NOT_FOUND', 'ORDER_NOT_CANCELLABLE'),
      },
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
      operationId: 'refundOrder',
      tags: ['admin'],
      summary: 'Refund some units of an order',
      description:
        "Each unit returns its exact share of its line's paidAmount; the wallet is credited, the stock restored unless `restock` is false, and an `order.refunded` event is written. Role admin. Safe to retry with an Idempotency-Key.",
      security: bearer,
      headers: idempotencyHeaders,
      params: orderParams,
      body: newRefund,
      response: {
        201: ok(refundSchema, 'The refund'),
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'ORDER_NOT_FOUND', 'ORDER_NOT_REFUNDABLE', 'REFUND_EXCEEDS_ORDER'),
      },
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
      operationId: 'listOrders',
      tags: ['admin'],
      summary: 'Every order, newest first',
      description: 'All orders, a page at a time, optionally only those of one status or of one user. Role admin.',
      security: bearer,
      querystring: pageQuery.extend({
        status: orderStatus.optional().meta({ description: 'Only the orders with this status' }),
        userId: idParam('Only the orders of this user', 42).optional(),
      }),
      response: { 200: ok(pageOf(orderSchema), 'A page of orders, newest first'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: admin,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      const orders = await ctx.useCases.listOrders.execute({ status: request.query.status ?? null, userId: request.query.userId ?? null, page });
      return pageAnswer(orders, ctx.cursors, presentOrder);
    },
  });
}
