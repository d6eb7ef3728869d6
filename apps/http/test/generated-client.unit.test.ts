import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMemoryApp, json, type TestApp } from './support';

/*
 * A client generated from the served document compiles and works: openapi-typescript turns the
 * document into types, the TypeScript compiler checks generated-client/storefront-flow.ts against
 * them (charge, issue a coupon, order with it, read the order back, handle OUT_OF_STOCK by its
 * fields), and the script then runs against the service over real HTTP.
 */

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(here, 'generated-client', 'storefront-flow.ts');

/** What the script takes and answers, as far as this test reads it. */
interface Shopper {
  baseUrl: string;
  userId: number;
  userToken: string;
  adminToken: string;
}
interface ShoppingTrip {
  orderId: number;
  readBack: { orderId: number; status: string; items: Array<{ productId: number }> };
  [figure: string]: unknown;
}
const GENERATED = join(here, 'generated-client', 'storefront-api.generated.ts');
// Typing the script and the generated file: the TypeScript compiler over @types/node takes seconds.
const COMPILER_TIMEOUT_MS = 60_000;

async function generateTypes(document: OpenAPI3): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(document));
}

/** Type-checks the script with the package's compiler options; `generated` stands in for the generated file. */
function typeErrors(generated: string): string[] {
  const configPath = join(here, '..', 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (config === undefined) throw new Error(`cannot read ${configPath}`);
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => (file === GENERATED ? generated : readFile(file));
  host.fileExists = (file) => file === GENERATED || fileExists(file);
  const program = ts.createProgram({ rootNames: [SCRIPT], options: { ...config.options, noEmit: true }, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('a client generated from the OpenAPI document', () => {
  let t: TestApp;
  let document: OpenAPI3;
  beforeAll(async () => {
    t = await inMemoryApp();
    document = json(await t.app.inject({ method: 'GET', url: '/openapi.json' })) as OpenAPI3;
  });
  afterAll(async () => {
    await t.close();
  });

  it(
    'type-checks the storefront script against the generated types',
    async () => {
      const generated = await generateTypes(document);
      // Written beside the script (git-ignored) so that an editor shows the same types.
      await writeFile(GENERATED, generated);
      expect(typeErrors(generated)).toEqual([]);
    },
    COMPILER_TIMEOUT_MS,
  );

  it(
    'stops compiling when the document breaks what the script relies on',
    async () => {
      const broken = structuredClone(document) as OpenAPI3 & { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
      const outOfStock = broken.components.schemas['OutOfStockProblem'];
      if (!outOfStock) throw new Error('the document has no OutOfStockProblem');
      delete outOfStock.properties['available'];
      const errors = typeErrors(await generateTypes(broken));
      expect(errors.join('\n')).toMatch(/available/);
    },
    COMPILER_TIMEOUT_MS,
  );

  it('runs against the service: charge, coupon, order, read back, OUT_OF_STOCK with its fields', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    // Imported by its path, not a literal specifier: the script's types exist only once this file
    // has generated them, so `pnpm typecheck` on a fresh clone must not follow the import.
    const { shop } = (await import(pathToFileURL(SCRIPT).href)) as { shop: (shopper: Shopper) => Promise<ShoppingTrip> };
    const trip = await shop({ baseUrl: `http://127.0.0.1:${port}`, userId: 42, userToken: await t.userToken(42), adminToken: await t.adminToken() });
    expect(trip).toMatchObject({ balanceAfterCharge: 100_000, paidAmount: 51_000, discountAmount: 5_000, readBack: { orderId: trip.orderId, status: 'PAID' } });
    expect(trip.refusal).toEqual({ code: 'OUT_OF_STOCK', productId: trip.readBack.items[0]?.productId, available: 1 });
  });
});
