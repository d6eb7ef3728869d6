import {
  AUDIT_SCOPES,
  FIRST_BUSINESS_DAY,
  isCalendarDay,
  LAST_BUSINESS_DAY,
  ORDER_EVENT_TYPES,
  orderEventEnvelopeSchema,
  orderExample,
  OUTBOX_STATUSES,
  outboxEventSchema,
  timestamp,
} from '@storefront/application';
import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { answerPage } from '../routing/cursor';
import { presentEventDetail, presentFeedEvent } from '../presentation/presenters';
import { bearer, type App, type RouteContext } from '../routing/route-context';
import { AUTHORIZED, failures, INVALID, ok, WITH_BODY } from '../routing/responses';
import { pageOf, pageQuery, positiveId, queryInt, won } from '../routing/schemas';

const EVENT_ID_EXAMPLE = '0b6e2f0c-5a1d-4c61-9d0e-3f3a8c1b7d21';

/** The envelope of the order events, as the data platform receives it. */
const eventEnvelope = orderEventEnvelopeSchema.shape;

const feedEvent = z
  .object({
    ...eventEnvelope,
    status: z.enum(OUTBOX_STATUSES),
    attempts: won,
    deliveredAt: timestamp.nullable(),
  })
  .meta({
    id: 'FeedEvent',
    examples: [
      {
        eventId: EVENT_ID_EXAMPLE,
        type: 'order.paid',
        occurredAt: orderExample.createdAt,
        sequence: 5_012,
        data: orderExample,
        status: 'DELIVERED',
        attempts: 1,
        deliveredAt: '2026-11-24T09:15:02.180Z',
      },
    ],
  });

const deliveryAttempt = z
  .object({
    at: timestamp,
    outcome: z.enum(['DELIVERED', 'FAILED']),
    httpStatus: z.number().int().nullable(),
    durationMs: won,
    error: z.string().nullable(),
  })
  .meta({ id: 'DeliveryAttempt', examples: [{ at: '2026-11-24T09:15:02.140Z', outcome: 'FAILED', httpStatus: 503, durationMs: 212, error: 'HTTP 503' }] });

const eventDetail = z
  .object({
    ...eventEnvelope,
    status: z.enum(OUTBOX_STATUSES),
    attempts: z.array(deliveryAttempt),
    nextAttemptAt: timestamp.nullable(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    deliveredAt: timestamp.nullable(),
  })
  .meta({
    id: 'OutboxEventDetail',
    examples: [
      {
        eventId: EVENT_ID_EXAMPLE,
        type: 'order.paid',
        occurredAt: orderExample.createdAt,
        sequence: 5_012,
        data: orderExample,
        status: 'PENDING',
        attempts: [{ at: '2026-11-24T09:15:02.140Z', outcome: 'FAILED', httpStatus: 503, durationMs: 212, error: 'HTTP 503' }],
        nextAttemptAt: '2026-11-24T09:15:04.000Z',
        lastError: 'HTTP 503',
        createdAt: orderExample.createdAt,
        deliveredAt: null,
      },
    ],
  });

const eventIdParam = z.object({
  eventId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'not an event id')
    .meta({ description: 'Event id', examples: [EVENT_ID_EXAMPLE] }),
});

const aggregation = z
  .object({
    date: z.iso.date(),
    from: timestamp,
    to: timestamp,
    items: z.array(z.object({ productId: positiveId, soldQuantity: won, revenue: won })),
  })
  .meta({
    id: 'SalesAggregation',
    examples: [{ date: '2026-11-24', from: '2026-11-23T15:00:00.000Z', to: '2026-11-24T15:00:00.000Z', items: [{ productId: 12, soldQuantity: 310, revenue: 8_680_000 }] }],
  });

const auditReport = z
  .object({
    checkedAt: timestamp,
    durationMs: won,
    scope: z.enum(AUDIT_SCOPES).meta({
      description: 'full: every row; incremental: what can have changed since the last audit that found nothing (full when there was none)',
    }),
    ok: z.boolean(),
    violations: z.array(
      z.object({
        invariant: z.number().int().meta({ description: "The invariant's number in the design (1–6)" }),
        subject: z.string().meta({ description: 'Where: `user 7`, `order 12`, a day; `audit` for a check the time budget did not reach' }),
        detail: z.string(),
      }),
    ),
  })
  .meta({
    id: 'AuditReport',
    examples: [
      {
        checkedAt: '2026-11-25T00:00:41.512Z',
        durationMs: 384,
        scope: 'incremental',
        ok: false,
        violations: [{ invariant: 2, subject: 'product 12', detail: 'stock 139, expected 140 from receipts, sales and restocks' }],
      },
    ],
  });

export function adminRoutes(app: App, ctx: RouteContext): void {
  const admin = requireToken(ctx.tokens, 'admin');

  app.get('/admin/outbox', {
    schema: {
      operationId: 'listOutboxEvents',
      tags: ['admin'],
      summary: 'Order events by delivery status',
      description: 'The events in the relay with one status; FAILED (the default) lists the events parked after too many attempts. Role admin.',
      security: bearer,
      querystring: pageQuery.extend({ status: z.enum(OUTBOX_STATUSES).default('FAILED').meta({ description: 'Delivery status', default: 'FAILED' }) }),
      response: { 200: ok(pageOf(outboxEventSchema), 'A page of events with that status'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: admin,
    handler: async (request) => {
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.listOutboxEvents.execute({ status: request.query.status, page }));
    },
  });

  app.get('/admin/outbox/:eventId', {
    schema: {
      operationId: 'getOutboxEvent',
      tags: ['admin'],
      summary: 'One event with every delivery attempt and when the next one is due',
      description: "An order event as the data platform receives it, with the relay's log of every delivery attempt. Role admin.",
      security: bearer,
      params: eventIdParam,
      response: { 200: ok(eventDetail, 'The event and its delivery log'), ...failures(INVALID, AUTHORIZED, 'NOT_FOUND') },
    },
    onRequest: admin,
    handler: async (request) => presentEventDetail(await ctx.useCases.getOutboxEvent.execute({ eventId: request.params.eventId })),
  });

  app.get('/admin/events', {
    schema: {
      operationId: 'listEvents',
      tags: ['admin'],
      summary: 'The replay feed: every event kept, ascending by sequence, with its delivery status',
      description:
        'Pass the answer\'s `nextAfter` as `after` to read on; it never skips an event. `nextAfter` is the last sequence served, or `after` itself when nothing new has committed yet.',
      security: bearer,
      querystring: z.object({
        after: queryInt(0, 999_999_999_999_999, 0, 'Serve events with a higher sequence (default 0: from the start)'),
        limit: queryInt(1, 1000, 100, 'Page size'),
        type: z.enum(ORDER_EVENT_TYPES).optional().meta({ description: 'Only events of this type' }),
      }),
      response: {
        200: ok(
          z.object({ items: z.array(feedEvent).max(1000), nextAfter: won.meta({ description: 'Pass as `after` to read on' }) }),
          'Events after `after`, ascending by sequence',
        ),
        ...failures(INVALID, AUTHORIZED),
      },
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
      operationId: 'retryOutboxEvent',
      tags: ['admin'],
      summary: 'Put a FAILED event back in line for delivery',
      description: 'A parked event becomes due again; the relay delivers it on its next pass. Role admin.',
      security: bearer,
      params: eventIdParam,
      response: {
        200: ok(z.object({ eventId: z.string(), status: z.enum(['PENDING']) }), 'The event is pending again'),
        ...failures(WITH_BODY, AUTHORIZED, 'NOT_FOUND', 'OUTBOX_EVENT_NOT_FAILED'),
      },
    },
    onRequest: admin,
    handler: (request) => ctx.useCases.retryOutboxEvent.execute({ eventId: request.params.eventId }),
  });

  app.post('/admin/jobs/aggregate-sales', {
    schema: {
      operationId: 'aggregateSales',
      tags: ['admin'],
      summary: "Aggregate one business day's sales now",
      description:
        "Runs the daily aggregation for one business day (TZ_BUSINESS); safe to repeat, the day's rows are replaced. A day not yet ended is aggregated again after it ends. Role admin.",
      security: bearer,
      body: z
        .object({
          date: z.iso
            .date()
            .refine(isCalendarDay, `must be a day from ${FIRST_BUSINESS_DAY} to ${LAST_BUSINESS_DAY}`)
            .meta({ description: 'The business day, YYYY-MM-DD', examples: ['2026-11-24'] }),
        })
        .strict(),
      response: { 200: ok(aggregation, "The day's statistics as written"), ...failures(WITH_BODY, AUTHORIZED) },
    },
    onRequest: admin,
    handler: async (request) => {
      const result = await ctx.useCases.aggregateDailySales.execute({ day: request.body.date });
      return {
        date: result.day,
        from: result.from,
        to: result.to,
        items: result.rows.map((row) => ({ productId: row.productId, soldQuantity: row.quantity, revenue: row.revenue })),
      };
    },
  });

  app.get('/admin/audit', {
    schema: {
      operationId: 'auditInvariants',
      tags: ['admin'],
      summary: 'Check the invariants on the live database, within a time budget',
      description:
        'Runs the invariant checks of the design (wallets, stock, coupons, orders, events, statistics) and lists what it found, within 10 s. By default it checks what can have changed since the last audit that found nothing; `scope=full` checks every row (the scheduler does so nightly, with a longer budget). Role admin.',
      security: bearer,
      querystring: z.object({
        scope: z.enum(AUDIT_SCOPES).default('incremental').meta({ description: 'incremental (default) or full', default: 'incremental' }),
      }),
      response: { 200: ok(auditReport, 'What the checks found; ok is true when nothing'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: admin,
    handler: (request) => ctx.useCases.auditInvariants.execute({ scope: request.query.scope }),
  });
}
