import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleProblem } from '../src/errors/problem-schemas';
import { OpenApiContract } from './openapi-contract';
import { inMemoryApp, json, type TestApp } from './support';

/*
 * The checker that every route suite runs through (support.ts): it must catch each kind of drift
 * between an answer and the document, or the suites that pass through it prove nothing.
 */

describe('the OpenAPI contract checker', () => {
  let t: TestApp;
  let contract: OpenApiContract;
  beforeAll(async () => {
    t = await inMemoryApp();
    contract = new OpenApiContract(json(await t.app.inject({ method: 'GET', url: '/openapi.json' })) as Record<string, unknown>);
  });
  afterAll(async () => {
    await t.close();
  });

  const problemJson = { 'content-type': 'application/problem+json', 'x-request-id': 'req-1' };
  const answer = (statusCode: number, body: unknown, headers: Record<string, string> = problemJson) => ({ statusCode, headers, body: JSON.stringify(body) });
  const outOfStock = exampleProblem('OUT_OF_STOCK');

  it('accepts answers that keep the document, and picks the static path over the parameter', () => {
    expect(contract.violations({ method: 'POST', url: '/orders' }, answer(409, outOfStock))).toEqual([]);
    expect(contract.operationFor('GET', '/products/top?days=3')?.template).toBe('/products/top');
    expect(contract.operationFor('GET', '/products/12')?.template).toBe('/products/{productId}');
    expect(contract.operationFor('HEAD', '/products/12')?.template).toBe('/products/{productId}');
  });

  it('leaves alone what the document does not describe', () => {
    expect(contract.operationFor('GET', '/docs/')).toBeUndefined();
    expect(contract.violations({ method: 'GET', url: '/no/such/route' }, answer(404, exampleProblem('NOT_FOUND')))).toEqual([]);
  });

  it('refuses a status the operation does not document', () => {
    const [violation] = contract.violations({ method: 'GET', url: '/products' }, answer(404, exampleProblem('PRODUCT_NOT_FOUND')));
    expect(violation).toMatch(/GET \/products → 404: status not documented/);
  });

  it('refuses a code under another status, and a code the operation cannot answer', () => {
    const mislabelled = { ...exampleProblem('VALIDATION_FAILED'), status: 409 };
    expect(contract.violations({ method: 'POST', url: '/orders' }, answer(409, mislabelled))).toHaveLength(1);
    // COUPON_SOLD_OUT is a 409, but not one that placing an order can answer.
    expect(contract.violations({ method: 'POST', url: '/orders' }, answer(409, exampleProblem('COUPON_SOLD_OUT')))).toHaveLength(1);
  });

  it('refuses an extension member the code does not declare, and a declared one missing', () => {
    const [extra] = contract.violations({ method: 'POST', url: '/orders' }, answer(409, { ...outOfStock, warehouse: 'B' }));
    expect(extra).toMatch(/warehouse/);
    const { productId: _dropped, ...withoutProduct } = outOfStock;
    expect(contract.violations({ method: 'POST', url: '/orders' }, answer(409, withoutProduct))).toHaveLength(1);
  });

  it('refuses a body that breaks a success schema', () => {
    const product = { id: 12, name: 'Espresso beans 1 kg', price: 28_000, stock: 140 };
    const headers = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-1' };
    expect(contract.violations({ method: 'GET', url: '/products/12' }, answer(200, product, headers))).toEqual([]);
    expect(contract.violations({ method: 'GET', url: '/products/12' }, answer(200, { ...product, stock: -1 }, headers))).toHaveLength(1);
    expect(contract.violations({ method: 'GET', url: '/products/12' }, answer(200, { ...product, cost: 9_000 }, headers))).toHaveLength(1);
    expect(contract.violations({ method: 'GET', url: '/products/12' }, { statusCode: 200, headers, body: 'not json' })).toHaveLength(1);
  });

  it('refuses a content type the status does not document', () => {
    const [violation] = contract.violations({ method: 'POST', url: '/orders' }, answer(409, outOfStock, { 'content-type': 'application/json', 'x-request-id': 'r' }));
    expect(violation).toMatch(/content type application\/json is not documented/);
  });

  it('refuses a missing required header and an invalid documented one', () => {
    const [missing] = contract.violations({ method: 'POST', url: '/orders' }, answer(409, outOfStock, { 'content-type': 'application/problem+json' }));
    expect(missing).toMatch(/required header x-request-id is missing/);
    const replayed = { ...problemJson, 'idempotent-replayed': 'yes' };
    expect(contract.violations({ method: 'POST', url: '/orders' }, answer(409, outOfStock, replayed))).toHaveLength(1);
    expect(contract.violations({ method: 'POST', url: '/orders' }, answer(409, outOfStock, { ...problemJson, 'idempotent-replayed': 'true' }))).toEqual([]);
  });
});
