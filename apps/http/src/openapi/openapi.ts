import type { SwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeSafeIntegers } from './openapi-document';

/*
 * The OpenAPI document the service serves at /openapi.json: generated from the routes' zod
 * schemas by @fastify/swagger, then finished here with what no single route declares — the
 * response headers that hooks and guards add to every answer of a kind, and the removal of
 * component schemas that no operation references.
 */

/** A client's request id is kept when it is short and plain; anything else gets a fresh UUID. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Json = Record<string, unknown>;

/** Response headers, written once as zod schemas like everything else in the document. */
const responseHeaders = {
  RequestId: {
    required: true,
    description:
      "The request's id: the caller's `x-request-id` when it is 1..128 characters of `A-Za-z0-9._:-`, else a fresh UUID. Quote it when reporting a problem.",
    schema: z.string().regex(REQUEST_ID).meta({ examples: ['5f0c8a43-2f7e-4b7a-9a55-0d6f1c7e2b91'] }),
  },
  IdempotentReplayed: {
    required: false,
    description: 'Present on a replay: this is the stored answer to the first request with the same Idempotency-Key, and nothing was done again.',
    schema: z.literal(true),
  },
  RetryAfter: {
    required: true,
    description: 'Seconds to wait before retrying.',
    schema: z.number().int().min(0).meta({ examples: [1] }),
  },
  RateLimit: {
    required: true,
    description: "The caller's rate limit (IETF RateLimit header fields draft): requests a minute, how many are left, seconds until the window resets.",
    schema: z
      .string()
      .regex(/^limit=\d+, remaining=\d+, reset=\d+$/)
      .meta({ examples: ['limit=1200, remaining=0, reset=17'] }),
  },
} as const;

type HeaderName = keyof typeof responseHeaders;

function headerComponents(): Record<HeaderName, Json> {
  const components = {} as Record<HeaderName, Json>;
  for (const [name, header] of Object.entries(responseHeaders) as Array<[HeaderName, (typeof responseHeaders)[HeaderName]]>) {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(header.schema, { target: 'draft-2020-12' });
    components[name] = { description: header.description, required: header.required, schema };
  }
  return components;
}

const headerRef = (name: HeaderName): Json => ({ $ref: `#/components/headers/${name}` });

/** Which headers an answer carries, by the rules of the hooks that set them. */
function headersOf(status: number, operation: Json): Record<string, Json> {
  const headers: Record<string, Json> = { 'x-request-id': headerRef('RequestId') };
  const honoursKeys = ((operation['parameters'] as Json[] | undefined) ?? []).some((p) => p['in'] === 'header' && p['name'] === 'idempotency-key');
  // 5xx answers release the key instead of being stored, and a rate-limited request never claims one.
  if (honoursKeys && status < 500 && status !== 429) headers['Idempotent-Replayed'] = headerRef('IdempotentReplayed');
  if (status === 429) headers['RateLimit'] = headerRef('RateLimit');
  if (status === 429 || status === 503) headers['Retry-After'] = headerRef('RetryAfter');
  return headers;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function operationsOf(document: Json): Json[] {
  const paths = (document['paths'] ?? {}) as Record<string, Record<string, Json>>;
  return Object.values(paths).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([, operation]) => operation),
  );
}

/** Every `$ref` reachable from the paths, following references through the components. */
function referencedComponents(document: Json): Set<string> {
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !seen.has(value)) {
        seen.add(value);
        const [, kind, name] = /^#\/components\/([^/]+)\/([^/]+)$/.exec(value) ?? [];
        if (kind && name) visit(((document['components'] as Record<string, Json>)[kind] ?? {})[name]);
      } else {
        visit(value);
      }
    }
  };
  visit(document['paths']);
  return seen;
}

/** Adds the response headers and drops unreferenced schemas (zod registers an input and an output variant of each). */
function finishDocument(document: Json): Json {
  for (const operation of operationsOf(document)) {
    for (const [status, response] of Object.entries(operation['responses'] as Record<string, Json>)) {
      response['headers'] = { ...(response['headers'] as Json | undefined), ...headersOf(Number(status), operation) };
    }
  }
  const components: Json = { ...(document['components'] as Json), headers: headerComponents() };
  const finished = { ...document, components };
  const used = referencedComponents(finished);
  const schemas = (components['schemas'] ?? {}) as Record<string, Json>;
  components['schemas'] = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(`#/components/schemas/${name}`)));
  return finished;
}

export const swaggerOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Storefront commerce API',
      version: '1.0.0',
      description:
        'Wallets, products, first-come coupons, wallet-paid orders and best sellers. Money is integer Korean won. ' +
        'Errors are RFC 9457 problem details (`application/problem+json`) whose `code` is one of the stable codes; ' +
        'each operation lists the codes it can answer.',
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'A local instance on the default HOST and PORT' }],
    tags: [
      { name: 'wallet', description: "A user's balance in won: charges, payments and their history" },
      { name: 'products', description: 'The catalogue and the best sellers' },
      { name: 'coupons', description: 'First-come coupons and the coupons a user holds' },
      { name: 'orders', description: 'Orders paid from the wallet' },
      { name: 'admin', description: 'Administration: products, coupons, order events and jobs (role admin)' },
      { name: 'health', description: 'Liveness and readiness probes' },
    ],
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  },
  // OpenAPI 3.1 is JSON Schema 2020-12: `const` needs no translation to a one-value `enum`.
  convertConstToEnum: false,
  transform: jsonSchemaTransform,
  transformObject: (documentObject) => describeSafeIntegers(finishDocument(jsonSchemaTransformObject(documentObject))),
};
