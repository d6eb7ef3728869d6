/*
 * docs/api.md, rendered from the OpenAPI document the service serves: every operation with its
 * parameters, body, answers and error codes, then the shapes and the error codes. Only what the
 * document cannot say is written here (the conventions that hold for every route); the order
 * events have a page of their own, docs/events.md.
 */

/** The parts of JSON Schema 2020-12 the document uses. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Response {
  description?: string;
  content?: Record<string, { schema?: Schema }>;
  headers?: Record<string, { $ref?: string }>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, Response>;
  security?: Record<string, string[]>[];
}

interface HeaderComponent {
  description?: string;
  required?: boolean;
  schema?: Schema;
}

export interface OpenApiDocument {
  info?: { title?: string; version?: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; headers?: Record<string, HeaderComponent>; securitySchemes?: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const PROBLEM = /Problem$/;

/** The command that writes docs/api.md; the staleness test names it. */
export const API_DOCS_COMMAND = 'pnpm docs:api';

const refName = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);
/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes. */
const anchor = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/\s/g, '-');
/** A table cell: one line, pipes escaped. */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
const code = (text: string): string => `\`${text}\``;
const literal = (value: unknown): string => code(JSON.stringify(value));

function typeOf(schema: Schema | undefined): string {
  if (schema === undefined) return 'any';
  if (schema.$ref !== undefined) {
    const name = refName(schema.$ref);
    return `[${name}](#${anchor(name)})`;
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined) return variants.map(typeOf).join(' \\| ');
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum !== undefined) return schema.enum.map(literal).join(' \\| ');
  if (Array.isArray(schema.type)) return schema.type.map((type) => typeOf({ ...schema, type })).join(' \\| ');
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  if (schema.type === 'string' && schema.format !== undefined) return `string (${schema.format})`;
  return schema.type ?? 'any';
}

/** Bounds, patterns and defaults, as a reader checks a value against them. */
function constraintsOf(schema: Schema | undefined): string {
  if (schema === undefined) return '';
  const parts: string[] = [];
  const range = (low: number | undefined, high: number | undefined, unit: string): void => {
    if (low !== undefined && high !== undefined) parts.push(`${low}..${high}${unit}`);
    else if (low !== undefined) parts.push(`≥ ${low}${unit}`);
    else if (high !== undefined) parts.push(`≤ ${high}${unit}`);
  };
  range(schema.minimum, schema.maximum, '');
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  range(schema.minLength, schema.maxLength, ' characters');
  range(schema.minItems, schema.maxItems, ' items');
  // A date-time's pattern restates its format at length.
  if (schema.pattern !== undefined && schema.format === undefined) parts.push(`pattern ${code(schema.pattern)}`);
  if (schema.default !== undefined) parts.push(`default ${literal(schema.default)}`);
  const variants = schema.anyOf ?? schema.oneOf ?? [];
  for (const variant of variants) {
    const inner = constraintsOf(variant);
    if (inner !== '') parts.push(inner);
  }
  return parts.join(', ');
}

interface Field {
  path: string;
  schema: Schema;
  required: boolean;
}

/** The fields of an object schema, inline objects (and arrays of them) flattened as `a.b`, `a[].b`. */
function fieldsOf(schema: Schema, prefix = ''): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    const field: Field = { path, schema: property, required: required.has(name) };
    if (property.properties !== undefined) return [field, ...fieldsOf(property, `${path}.`)];
    if (property.type === 'array' && property.items?.properties !== undefined) return [field, ...fieldsOf(property.items, `${path}[].`)];
    return [field];
  });
}

function fieldTable(schema: Schema): string[] {
  const fields = fieldsOf(schema);
  if (fields.length === 0) return [`${typeOf(schema)}`, ''];
  return [
    '| field | type | required | constraints | description |',
    '|---|---|---|---|---|',
    ...fields.map((f) => `| ${code(f.path)} | ${typeOf(f.schema)} | ${f.required ? 'yes' : 'no'} | ${cell(constraintsOf(f.schema))} | ${cell(f.schema.description ?? '')} |`),
    '',
  ];
}

/** Who may call: the document says whether a token is needed; the path says whose. */
function accessOf(path: string, operation: Operation): string {
  if (operation.security === undefined || operation.security.length === 0) return 'public';
  if (path.startsWith('/admin/')) return 'admin token';
  return "the user's token, or an admin's";
}

function bodyOf(content: Record<string, { schema?: Schema }> | undefined): string {
  if (content === undefined) return '';
  return Object.entries(content)
    .map(([type, { schema }]) => `${typeOf(schema)} (${code(type)})`)
    .join(', ');
}

function renderOperation(path: string, method: string, operation: Operation): string[] {
  const lines = [`### ${method.toUpperCase()} ${path}`, ''];
  if (operation.summary !== undefined) lines.push(`**${operation.summary}.** ${operation.description ?? ''}`.trim(), '');
  lines.push(`Operation ${code(operation.operationId ?? '')} · ${accessOf(path, operation)}`, '');
  const parameters = operation.parameters ?? [];
  if (parameters.length > 0) {
    lines.push('| parameter | in | type | required | constraints | description |', '|---|---|---|---|---|---|');
    for (const p of parameters) {
      lines.push(`| ${code(p.name)} | ${p.in} | ${typeOf(p.schema)} | ${p.required === true ? 'yes' : 'no'} | ${cell(constraintsOf(p.schema))} | ${cell(p.description ?? '')} |`);
    }
    lines.push('');
  }
  const body = operation.requestBody?.content?.['application/json']?.schema;
  if (body !== undefined) {
    lines.push(`Request body (${code('application/json')}${operation.requestBody?.required === true ? ', required' : ''}):`, '', ...fieldTable(body));
  }
  lines.push('| status | answer | body |', '|---|---|---|');
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    lines.push(`| ${status} | ${cell(response.description ?? '')} | ${bodyOf(response.content)} |`);
  }
  lines.push('');
  return lines;
}

function operationsOf(document: OpenApiDocument): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({ path, method, operation: item[method]! })),
  );
}

/** Conventions every route follows; the document states them per field, this page once. */
const CONVENTIONS = [
  '## Conventions',
  '',
  '- JSON in and out, `camelCase` fields; a body with an unknown field is refused (400).',
  '- Money is Korean won as an integer. Ids are positive integers, except `transactionId`, `eventId` and cursors, which are strings.',
  '- Timestamps are ISO-8601 with an offset. Business days and "00:00" are in the service\'s time zone, `TZ_BUSINESS` (default `Asia/Seoul`).',
  '- Lists take `?limit=` (1..100, default 20) and `?cursor=` and answer `{ items, nextCursor }`; `nextCursor` is null on the last page. The event feed pages by `after=` instead.',
  '- Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`; each operation below lists the codes it can answer, and [Error codes](#error-codes) lists them all. A request never gets a 500 for bad input, and a 500 never carries a stack or SQL.',
  '',
  '## Authentication',
  '',
  '`Authorization: Bearer <JWT>`, HS256 with `JWT_SECRET`. Claims: `sub` (the user id as a decimal string), `role` (`user` when absent, or `admin`), `exp` (required). The identity provider issues them; this service owns no accounts. A route under `/users/{userId}/…`, and an order, answer only to that user\'s token or an admin\'s (403 `FORBIDDEN`; another user\'s order is 404); `/admin/…` answers only to an admin. A missing, malformed, expired or wrongly signed token is 401 `UNAUTHENTICATED`.',
  '',
  '## Idempotency',
  '',
  'Every `POST` and `PATCH` accepts an `Idempotency-Key` header (1..255 printable ASCII characters), scoped to the caller and kept at least 24 hours. A retry with the same key and the same body answers the first response again (same status and body, plus `Idempotent-Replayed: true`) and does nothing again; the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`; the same key while the first request still runs is 409 `IDEMPOTENCY_IN_PROGRESS`. The stored answer commits with the effect, so a crash never leaves a key stuck.',
  '',
];

export function apiMarkdown(document: OpenApiDocument): string {
  const info = document.info ?? {};
  const operations = operationsOf(document);
  const schemas = document.components?.schemas ?? {};
  const lines: string[] = [
    `# ${info.title ?? 'API'} ${info.version ?? ''}`.trim(),
    '',
    `<!-- Generated from the OpenAPI document the service serves (GET /openapi.json) by \`${API_DOCS_COMMAND}\`. Do not edit: a test fails when this file is stale. -->`,
    '',
    info.description ?? '',
    '',
    'The running service serves the same document at `/openapi.json`, with a browsable UI at `/docs`. Order events sent to the data platform are described in [events.md](events.md).',
    '',
    ...(document.servers ?? []).map((server) => `- Server: ${code(server.url)}${server.description ? ` (${server.description})` : ''}`),
    '',
    ...CONVENTIONS,
    '## Operations',
    '',
    '| operation | | access | summary |',
    '|---|---|---|---|',
    ...operations.map(({ path, method, operation }) => {
      const heading = `${method.toUpperCase()} ${path}`;
      return `| [${code(heading)}](#${anchor(heading)}) | ${code(operation.operationId ?? '')} | ${accessOf(path, operation)} | ${cell(operation.summary ?? '')} |`;
    }),
    '',
  ];

  for (const tag of document.tags ?? []) {
    const tagged = operations.filter(({ operation }) => operation.tags?.includes(tag.name));
    if (tagged.length === 0) continue;
    lines.push(`## ${tag.name[0]!.toUpperCase()}${tag.name.slice(1)}`, '', tag.description ?? '', '');
    for (const { path, method, operation } of tagged) lines.push(...renderOperation(path, method, operation));
  }

  lines.push('## Shapes', '', 'The bodies the operations answer with and accept, by their name in the document.', '');
  for (const [name, schema] of Object.entries(schemas).filter(([name]) => !PROBLEM.test(name))) {
    lines.push(`### ${name}`, '');
    if (schema.description !== undefined) lines.push(schema.description, '');
    lines.push(...fieldTable(schema));
  }

  lines.push(
    '## Error codes',
    '',
    'Every problem has `type`, `title`, `status`, `detail` and `code`; the extra members of a code are listed with it.',
    '',
    '| status | code | meaning | extra members |',
    '|---|---|---|---|',
  );
  const problems = Object.entries(schemas)
    .filter(([name]) => PROBLEM.test(name))
    .map(([name, schema]) => {
      const status = Number(schema.properties?.['status']?.const);
      const errorCode = String(schema.properties?.['code']?.const);
      const extra = Object.keys(schema.properties ?? {}).filter((key) => !['type', 'title', 'status', 'detail', 'code'].includes(key));
      const meaning = (schema.description ?? '').replace(new RegExp(`^${errorCode}:\\s*`), '');
      return { name, status, errorCode, meaning, extra };
    })
    .sort((a, b) => a.status - b.status || a.errorCode.localeCompare(b.errorCode));
  for (const p of problems) {
    lines.push(`| ${p.status} | <a id="${anchor(p.name)}"></a>${code(p.errorCode)} | ${cell(p.meaning)} | ${p.extra.map(code).join(', ')} |`);
  }
  lines.push('');

  const headers = Object.entries(document.components?.headers ?? {});
  if (headers.length > 0) {
    lines.push('## Response headers', '', '| header | type | description |', '|---|---|---|');
    // Components are keyed by a name of their own; answers name the header itself.
    const sent = new Map<string, string>();
    for (const { operation } of operations) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const [header, ref] of Object.entries(response.headers ?? {})) if (ref.$ref !== undefined) sent.set(refName(ref.$ref), header);
      }
    }
    for (const [name, header] of headers) lines.push(`| ${code(sent.get(name) ?? name)} | ${typeOf(header.schema)} | ${cell(header.description ?? '')} |`);
    lines.push('');
  }

  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
