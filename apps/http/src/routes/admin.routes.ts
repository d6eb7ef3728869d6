import { FIRST_BUSINESS_DAY, isCalendarDay, LAST_BUSINESS_DAY } from '@storefront/application';
import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { ORDER_EVENT_TYPES } from '@storefront/application';
import { iso, pageAnswer, presentEventDetail, presentFeedEvent, presentOutboxEvent } from '../http/presenters';
import { bearer, type App, type RouteContext } from '../http/route-context';
import { isoDateTime, pageOf, pageQuery, positiveId, problems, queryInt, won } from '../http/schemas';
import { orderSchema, refundSchema } from './orders.routes';

const outboxEvent = z
  .object({
    eventId: z.string(),
    type: z.string(),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    attempts: won,
    nextAttemptAt: isoDateTime.nullable(),
    lastError: z.string().nullable(),
    createdAt: isoDateTime,
    deliveredAt: isoDateTime.nullable(),
  })
  .meta({ id: 'OutboxEvent' });

/** The envelope of the order events (the contract of `@storefront/application`'s order-event), as served. */
const eventEnvelope = {
  eventId: z.string(),
  type: z.enum(ORDER_EVENT_TYPES),
  occurredAt: isoDateTime,
  sequence: won,
  data: orderSchema.extend({ refund: refundSchema.optional().meta({ description: 'The refund, for order.refunded' }) }).meta({
    description: 'The order after the change',
  }),
};

const feedEvent = z
  .object({
    ...eventEnvelope,
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    attempts: won,
    deliveredAt: isoDateTime.nullable(),
  })
  .meta({ id: 'FeedEvent' });

const deliveryAttempt = z
  .object({
    at: isoDateTime,
    outcome: z.enum(['DELIVERED', 'FAILED']),
    httpStatus: z.number().int().nullable(),
    durationMs: won,
    error: z.string().nullable(),
  })
  .meta({ id: 'DeliveryAttempt' });

const eventDetail = z
  .object({
    ...eventEnvelope,
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    attempts: z.array(deliveryAttempt),
    nextAttemptAt: isoDateTime.nullable(),
    lastError: z.string().nullable(),
    createdAt: isoDateTime,
    deliveredAt: isoDateTime.nullable(),
  })
  .meta({ id: 'OutboxEventDetail' });

const eventIdParam = z.object({ eventId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not an event id').meta({ description: 'Event id' }) });

const aggregation = z
  .object({
    date: z.iso.date(),
    from: isoDateTime,
    to: isoDateTime,
    items: z.array(z.object({ productId: positiveId, soldQuantity: won, revenue: won })),
  })
  .meta({ id: 'SalesAggregation' });

export function adminRoutes(app: App, ctx: RouteContext): void {
  const admin = requireToken(ctx.tokens, 'admin');

  app.get('/admin/outbox', {
    schema: {
      tags: ['admin'],
      summary: 'Order events by delivery status (FAILED: parked after too many attempts)',
      security: bearer,
      querystring: pageQuery.extend({ status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).default('FAILED') }),
      response: { 200: pageOf(outboxEvent), ...problems(400, 401, 403) },
    },
    onRequest: admin,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.listOutboxEvents.execute({ status: request.query.status, page }), ctx.cursors, presentOutboxEvent);
    },
  });

  app.get('/admin/outbox/:eventId', {
    schema: {
      tags: ['admin'],
      summary: 'One event with every delivery attempt and when the next one is due',
      security: bearer,
      params: eventIdParam,
      response: { 200: eventDetail, ...problems(400, 401, 403, 404) },
    },
    onRequest: admin,
    handler: async (request) => presentEventDetail(await ctx.useCases.getOutboxEvent.execute({ eventId: request.params.eventId })),
  });

  app.get('/admin/events', {
    schema: {
      tags: ['admin'],
      summary: 'The replay feed: every event kept, ascending by sequence, with its delivery status',
      description:
        'Pass the answer\'s `nextAfter` as `after` to read on; it never skips an event. `nextAfter` is the last sequence served, or `after` itself when nothing new has committed yet.',
      security: bearer,
      querystring: z.object({
        after: z
          .string()
          .regex(/^[0-9]{1,15}$/, 'must be a sequence (a non-negative integer)')
          .transform(Number)
          .optional()
          .transform((value) => value ?? 0)
          .meta({ description: 'Serve events with a higher sequence (default 0: from the start)' }),
        limit: queryInt(1, 1000, 100, 'Page size'),
        type: z.enum(ORDER_EVENT_TYPES).optional().meta({ description: 'Only events of this type' }),
      }),
      response: { 200: z.object({ items: z.array(feedEvent), nextAfter: won }), ...problems(400, 401, 403) },
    },
    onRequest: admin,
    handler: async (request) => {
      const { after, limit, type } = request.query;
      const page = await ctx.useCases.readEventFeed.execute({ after, limit, type: type ?? null });
      return { items: page.items.map(presentFeedEvent), nextAfter: page.nextAfter };
    },
  });

  app.post('/admin/outbox/:eventId/retry', {
    schema: {
      tags: ['admin'],
      summary: 'Put a FAILED event back in line for delivery',
      security: bearer,
      params: eventIdParam,
      response: { 200: z.object({ eventId: z.string(), status: z.enum(['PENDING']) }), ...problems(400, 401, 403, 404, 409) },
    },
    onRequest: admin,
    handler: (request) => ctx.useCases.retryOutboxEvent.execute({ eventId: request.params.eventId }),
  });

  app.post('/admin/jobs/aggregate-sales', {
    schema: {
      tags: ['admin'],
      summary: "Aggregate one business day's sales now (safe to repeat)",
      security: bearer,
      body: z.object({ date: z.iso.date().refine(isCalendarDay, `must be a day from ${FIRST_BUSINESS_DAY} to ${LAST_BUSINESS_DAY}`) }).strict(),
      response: { 200: aggregation, ...problems(400, 401, 403, 413, 415) },
    },
    onRequest: admin,
    handler: async (request) => {
      const result = await ctx.useCases.aggregateDailySales.execute({ day: request.body.date });
      return {
        date: result.day,
        from: iso(result.from),
        to: iso(result.to),
        items: result.rows.map((row) => ({ productId: row.productId, soldQuantity: row.quantity, revenue: row.revenue })),
      };
    },
  });
}
