import { productSchema, topProductsSchema } from '@storefront/application';
import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { answerPage } from '../routing/cursor';
import { bearer, type App, type RouteContext } from '../routing/route-context';
import { AUTHORIZED, failures, IDEMPOTENT, INVALID, ok, WITH_BODY } from '../routing/responses';
import { displayName, idempotencyHeaders, idParam, pageOf, pageQuery, patchOf, queryInt } from '../routing/schemas';

const productParams = z.object({ productId: idParam('Product id', 12) });
const name = displayName.meta({ examples: ['Espresso beans 1 kg'] });
const price = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: 'List price in won', examples: [28_000] });
const stock = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({ description: 'Units in stock', examples: [140] });

export function productRoutes(app: App, ctx: RouteContext): void {
  const admin = requireToken(ctx.tokens, 'admin');

  app.get('/products', {
    schema: {
      operationId: 'listProducts',
      tags: ['products'],
      summary: 'The catalogue, ordered by id',
      description: 'Every product with its price and stock, a page at a time. No token needed.',
      querystring: pageQuery,
      response: { 200: ok(pageOf(productSchema), 'A page of products, ordered by id'), ...failures(INVALID) },
    },
    handler: async (request) => {
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.listProducts.execute({ page }));
    },
  });

  // Registered before /products/:productId for readability; Fastify prefers the static segment anyway.
  app.get('/products/top', {
    schema: {
      operationId: 'getTopProducts',
      tags: ['products'],
      summary: 'Best sellers over the last complete business days',
      description:
        'Ranked by units sold over the last `days` complete business days (TZ_BUSINESS), from the statistics the daily aggregation writes; ties go to higher revenue, then lower product id.',
      querystring: z.object({ days: queryInt(1, 30, 3, 'Complete business days'), limit: queryInt(1, 50, 5, 'How many products') }),
      response: { 200: ok(topProductsSchema, 'The best sellers and the dates they cover'), ...failures(INVALID) },
    },
    handler: async (request) => ctx.useCases.getTopProducts.execute({ days: request.query.days, limit: request.query.limit }),
  });

  app.get('/products/:productId', {
    schema: {
      operationId: 'getProduct',
      tags: ['products'],
      summary: 'One product',
      description: 'A product with its price and current stock. No token needed.',
      params: productParams,
      response: { 200: ok(productSchema, 'The product'), ...failures(INVALID, 'PRODUCT_NOT_FOUND') },
    },
    handler: (request) => ctx.useCases.getProduct.execute({ productId: request.params.productId }),
  });

  app.post('/admin/products', {
    schema: {
      operationId: 'createProduct',
      tags: ['admin'],
      summary: 'Create a product',
      description: 'Adds a product to the catalogue with its initial stock. Role admin.',
      security: bearer,
      headers: idempotencyHeaders,
      body: z.object({ name, price, stock }).strict(),
      response: { 201: ok(productSchema, 'The product, with its new id'), ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT) },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) => ctx.idempotency.respond(request, reply, 201, (writes) => writes.createProduct.execute(request.body)),
  });

  app.patch('/admin/products/:productId', {
    schema: {
      operationId: 'updateProduct',
      tags: ['admin'],
      summary: 'Change any of name, price and stock',
      description: 'Sets the given fields (at least one); a new stock is an adjustment received into the shop. Role admin.',
      security: bearer,
      params: productParams,
      headers: idempotencyHeaders,
      body: patchOf({ name, price, stock }),
      response: { 200: ok(productSchema, 'The product after the change'), ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'PRODUCT_NOT_FOUND') },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(request, reply, 200, (writes) => writes.updateProduct.execute({ productId: request.params.productId, changes: request.body })),
  });
}
