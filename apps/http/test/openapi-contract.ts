import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createInMemoryStorefront } from '@storefront/application/testing';
import { buildApp } from '../src/app';
import type { App } from '../src/routing/route-context';
import { composeHttp } from '../src/http.composition';

/*
 * The served OpenAPI document as a contract that every answer of the test apps must keep: the
 * status is documented for the operation, the content type is one the status documents, the body
 * is valid against its schema (Ajv, JSON Schema 2020-12: the dialect of OpenAPI 3.1), and every
 * documented header is valid and present when required. Requests to paths the document does not
 * describe (/docs, /openapi.json, unknown routes) are outside it and not checked.
 */

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  matcher: RegExp;
  /** Static segments count: `/products/top` wins over `/products/{productId}`. */
  staticSegments: number;
  pointer: string;
  responses: Record<string, Json>;
}

export interface CheckedRequest {
  method: string;
  url: string;
}

export interface CheckedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const DOCUMENT_ID = 'https://storefront.example/openapi.json';

/** A JSON pointer as a URI fragment: `~` and `/` escaped, then percent-encoded (`{id}`, `+json`). */
const fragment = (segments: string[]): string =>
  `#/${segments.map((segment) => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly operations: Operation[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    // strict: an unknown keyword in the document is a mistake, not something to skip silently.
    // `discriminator` is a hint for client generators (Ajv's own support refuses its `mapping`); the
    // `oneOf` beside it already admits exactly one problem schema.
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    // OpenAPI's own annotation keywords inside its Schema Objects, and the two top-level members
    // kept in the resource below: the document is not a schema, only fragments of it are compiled.
    this.ajv.addVocabulary(['example', 'externalDocs', 'xml', 'discriminator', 'components', 'paths']);
    this.ajv.addSchema({ $id: DOCUMENT_ID, ...pick(document, ['components', 'paths']) }, undefined, undefined, false);
    this.operations = Object.entries(document['paths'] as Record<string, Record<string, Json>>).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        matcher: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        staticSegments: template.split('/').filter((segment) => segment !== '' && !segment.startsWith('{')).length,
        pointer: fragment(['paths', template, method]),
        responses: operation['responses'] as Record<string, Json>,
      })),
    );
  }

  /** The operation a request reaches, or undefined when the document does not describe its path and method. */
  operationFor(method: string, url: string): Operation | undefined {
    // Resolved as the inject client resolves it: `/users/../balance` is a request for `/balance`.
    const path = new URL(url, 'http://127.0.0.1').pathname;
    const lookup = method === 'HEAD' ? 'GET' : method;
    return this.operations
      .filter((operation) => operation.method === lookup && operation.matcher.test(path))
      .sort((a, b) => b.staticSegments - a.staticSegments)[0];
  }

  /** Every way the answer breaks the document; empty when it keeps it. */
  violations(request: CheckedRequest, response: CheckedResponse): string[] {
    const operation = this.operationFor(request.method, request.url);
    if (operation === undefined) return [];
    const where = `${request.method} ${operation.template} → ${response.statusCode}`;
    const status = String(response.statusCode);
    const documented = operation.responses[status] ? status : operation.responses['default'] ? 'default' : undefined;
    if (documented === undefined) {
      return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')}); body ${response.body.slice(0, 300)}`];
    }
    const declared = this.resolve(operation.responses[documented] as Json);
    const problems: string[] = [];
    problems.push(...this.headerViolations(where, `${operation.pointer}/responses/${documented}`, declared, response));

    const content = declared['content'] as Record<string, Json> | undefined;
    const contentType = String(response.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (content === undefined) {
      if (response.body !== '') problems.push(`${where}: a body where the document declares none`);
      return problems;
    }
    if (!contentType || !(contentType in content)) {
      problems.push(`${where}: content type ${contentType || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`);
      return problems;
    }
    if (request.method === 'HEAD' || content[contentType]?.['schema'] === undefined) return problems;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [...problems, `${where}: the body is not JSON: ${response.body.slice(0, 200)}`];
    }
    const validate = this.validator(`${operation.pointer}/responses/${encodeURIComponent(documented)}/content/${encodeURIComponent(contentType.replaceAll('/', '~1'))}/schema`);
    if (!validate(body)) {
      problems.push(`${where}: body does not match the schema: ${describeErrors(validate)}; body ${response.body.slice(0, 400)}`);
    }
    return problems;
  }

  private headerViolations(where: string, responsePointer: string, declared: Json, response: CheckedResponse): string[] {
    const problems: string[] = [];
    for (const [name, maybeRef] of Object.entries((declared['headers'] ?? {}) as Record<string, Json>)) {
      const header = this.resolve(maybeRef);
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header['required'] === true) problems.push(`${where}: required header ${name} is missing`);
        continue;
      }
      const ref = maybeRef['$ref'];
      const schemaPointer = typeof ref === 'string' ? `${ref}/schema` : `${responsePointer}/headers/${encodeURIComponent(name)}/schema`;
      const validate = this.validator(schemaPointer);
      const typed = fromHeader(String(value), header['schema'] as Json | undefined);
      if (!validate(typed)) problems.push(`${where}: header ${name}: ${String(value)} ${describeErrors(validate)}`);
    }
    return problems;
  }

  /** Compiles the schema of every documented answer and header now, rather than on first use. */
  compileAll(): void {
    for (const operation of this.operations) {
      for (const [status, maybeRef] of Object.entries(operation.responses)) {
        const declared = this.resolve(maybeRef);
        for (const [contentType, media] of Object.entries((declared['content'] ?? {}) as Record<string, Json>)) {
          if (media['schema'] !== undefined) {
            this.validator(`${operation.pointer}/responses/${encodeURIComponent(status)}/content/${encodeURIComponent(contentType.replaceAll('/', '~1'))}/schema`);
          }
        }
        for (const [name, header] of Object.entries((declared['headers'] ?? {}) as Record<string, Json>)) {
          const ref = header['$ref'];
          this.validator(typeof ref === 'string' ? `${ref}/schema` : `${operation.pointer}/responses/${status}/headers/${encodeURIComponent(name)}/schema`);
        }
      }
    }
  }

  /** Why a value breaks the schema at a pointer of the document (`#/components/schemas/Order`); empty when it fits. */
  errorsAt(pointer: string, value: unknown): string[] {
    const validate = this.validator(pointer);
    return validate(value) ? [] : [describeErrors(validate)];
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.getSchema(`${DOCUMENT_ID}${pointer}`);
      if (validate === undefined) throw new Error(`no schema at ${pointer}`);
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  /** Follows a local `$ref` (`#/components/headers/X`) to what it names. */
  private resolve(node: Json): Json {
    const ref = node['$ref'];
    if (typeof ref !== 'string') return node;
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((at, segment) => at[segment.replaceAll('~1', '/').replaceAll('~0', '~')] as Json, this.document);
  }
}

/** Ajv's errors with their parameters: `must NOT have additional properties {"additionalProperty":"x"}`. */
function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`).join('; ');
}

function pick(object: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((key) => key in object).map((key) => [key, object[key]]));
}

/** A header's text as the typed value its schema describes (OpenAPI's `simple` style). */
function fromHeader(value: string, schema: Json | undefined): unknown {
  const type = schema?.['type'];
  if ((type === 'integer' || type === 'number') && /^-?[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

class ContractViolation extends Error {
  constructor(violations: string[]) {
    super(`the answer breaks the OpenAPI document:\n- ${violations.join('\n- ')}`);
    this.name = 'ContractViolation';
  }
}

/**
 * The document the test apps serve. They all come from buildApp with the same routes, so it is
 * read once per test process, from an app of its own, and compiled in full before a test's app
 * starts: neither generating the document nor compiling its schemas then runs on a test app's
 * event loop, where load shedding would notice the pause.
 */
let servedDocument: Promise<OpenApiContract> | undefined;

export function theServedDocument(): Promise<OpenApiContract> {
  servedDocument ??= readServedDocument();
  return servedDocument;
}

async function readServedDocument(): Promise<OpenApiContract> {
  const app = await buildApp(
    composeHttp(createInMemoryStorefront(), {
      jwtSecret: 'only-for-reading-the-openapi-document',
      maxBalance: 10_000_000,
      businessTimeZone: 'Asia/Seoul',
      readiness: () => Promise.resolve(true),
      productCacheTtlMs: 0,
    }),
  );
  try {
    const contract = new OpenApiContract(JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body) as Json);
    contract.compileAll();
    return contract;
  } finally {
    await app.close();
  }
}

/**
 * Makes every `app.inject` of a test app check its answer against the document, so that every
 * route suite checks the contract without a test opting in: an answer that breaks it rejects the
 * inject with a ContractViolation.
 */
export function holdToTheDocument(app: App, contract: OpenApiContract): void {
  const inject = app.inject.bind(app) as (options: InjectOptions | string) => Promise<LightMyRequestResponse>;
  const checkedInject = async (options: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const response = await inject(options);
    const request = typeof options === 'string' ? { method: 'GET', url: options } : { method: (options.method ?? 'GET').toUpperCase(), url: urlOf(options) };
    const violations = contract.violations(request, response);
    if (violations.length > 0) throw new ContractViolation(violations);
    return response;
  };
  (app as { inject: unknown }).inject = checkedInject;
}

function urlOf(options: InjectOptions): string {
  const url = options.url ?? options.path;
  if (typeof url === 'string') return url;
  return url?.pathname ?? '/';
}
