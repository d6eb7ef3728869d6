/* eslint-disable @typescript-eslint/no-unsafe-assignment -- expect.any matchers are typed any */
import { connect, type Socket } from 'node:net';
import { createInMemoryStorefront } from '@storefront/application/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import type { App } from '../src/routing/route-context';
import { composeHttp } from '../src/http.composition';
import { testSettings, token } from './support';

/*
 * What Node's HTTP layer refuses before any route runs, over real sockets: every such answer is
 * problem+json, a stalled request loses its socket within the request timeout, and sockets are
 * capped.
 */

const REQUEST_TIMEOUT_MS = 1_500;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseAnswer(raw: string): RawAnswer {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

/** Sends raw bytes and collects everything until the server closes the socket. */
function exchange(port: number, bytes: string | Buffer, deadlineMs = 10_000): Promise<{ raw: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the socket open for ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ raw: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - started });
    });
    socket.write(bytes);
  });
}

function expectProblem(answer: RawAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code: expect.any(String), type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
}

describe('the HTTP transport', () => {
  let app: App;
  let port: number;
  let userToken: string;

  beforeAll(async () => {
    const store = createInMemoryStorefront();
    const deps = composeHttp(store, testSettings());
    app = await buildApp(deps, { limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: REQUEST_TIMEOUT_MS, maxConnections: 2_100 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    userToken = await token({ sub: '1' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a 100 KB header with 431 problem+json', async () => {
    const { raw } = await exchange(port, `GET /products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    expectProblem(parseAnswer(raw), 431);
  });

  it('answers a malformed request line and a bad header with 400 problem+json', async () => {
    expectProblem(parseAnswer((await exchange(port, 'NOT HTTP AT ALL\r\n\r\n')).raw), 400);
    expectProblem(parseAnswer((await exchange(port, 'GET /products HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')).raw), 400);
  });

  it('answers a bad URL encoding and malformed JSON with 400 problem+json', async () => {
    expectProblem(parseAnswer((await exchange(port, 'GET /products/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).raw), 400);
    const body = '{"amount":';
    const request =
      `POST /users/1/balance/charge HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${userToken}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expectProblem(parseAnswer((await exchange(port, request)).raw), 400);
  });

  it('frees the sockets of 2,000 requests that stall their body within the request timeout, each with a 408 problem+json', async () => {
    const stalled =
      `POST /users/1/balance/charge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${userToken}\r\n` +
      `Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"amount":`;
    const answers = await Promise.all(Array.from({ length: 2_000 }, () => exchange(port, stalled, 30_000)));
    for (const { raw } of answers) expectProblem(parseAnswer(raw), 408);
    const slowest = Math.max(...answers.map((a) => a.closedAfterMs));
    // The timeout, plus Node's one-second checking tick, plus a busy machine's slack.
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS + 8_000);
    // The service still answers.
    expect(parseAnswer((await exchange(port, 'GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).raw).status).toBe(200);
    // Thousands of sockets take seconds to open on a busy machine: the test's own deadline, not the default 5 s.
  }, 60_000);

  it('caps the sockets it holds at once', () => {
    expect(app.server.maxConnections).toBe(2_100);
    expect(app.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(app.server.headersTimeout).toBe(REQUEST_TIMEOUT_MS);
  });
});

describe('a keep-alive socket past its request limit', () => {
  let app: App;
  let port: number;

  beforeAll(async () => {
    app = await buildApp(composeHttp(createInMemoryStorefront(), testSettings()), { limits: { maxRequestsPerSocket: 3 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('is closed after its last answer, which says so, instead of answering 503 to what follows', async () => {
    // Five requests in one write, as a client that ignores `Connection: close` sends them.
    const request = 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const { raw } = await exchange(port, request.repeat(5));
    const answers = raw
      .split(/(?=HTTP\/1\.1 )/)
      .filter((part) => part.startsWith('HTTP/1.1 '))
      .map(parseAnswer);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.headers['connection'])).toEqual(['keep-alive', 'keep-alive', 'close']);
  });
});
