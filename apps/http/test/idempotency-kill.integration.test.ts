/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- assertions read parsed JSON responses */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkInvariants, PgProductRepository } from '@storefront/adapters';
import { useFreshDatabase } from '@storefront/adapters/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, token } from './support';

/*
 * Idempotency atomic with its effect, proven on real processes: the HTTP role runs in a child
 * process that is killed with SIGKILL at a point of a charge or an order (before the
 * transaction, holding a row lock inside it, before COMMIT, after COMMIT before the reply), or at
 * a random moment with hundreds of keyed orders in flight. A retry with the same key, to a fresh
 * process, gets a proper answer within the lease — a replay of the committed answer, or a fresh
 * run — and the effect exists exactly once.
 */

const testDb = useFreshDatabase({ poolSize: 5 });
const LEASE_MS = 1_500;
const CHILD = fileURLToPath(new URL('./support/http-child.ts', import.meta.url));
const KILL_POINTS = ['before-transaction', 'holding-a-lock', 'before-commit', 'after-commit'] as const;

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

const children: Child[] = [];

async function startChild(killAt?: (typeof KILL_POINTS)[number]): Promise<Child> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: testDb.current.url, JWT_SECRET: TEST_SECRET, IDEMPOTENCY_LEASE_MS: String(LEASE_MS) };
  if (killAt) env.KILL_AT = killAt;
  else delete env.KILL_AT;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child did not listen within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${String(how)}) before listening:\n${output}`));
    });
  });
  const started = { process: child, url, exited };
  children.push(started);
  return started;
}

/** SIGKILL to the child's whole process group, and wait for it to be gone. */
async function kill(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null && child.process.pid !== undefined) {
    try {
      process.kill(-child.process.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await child.exited;
}

afterAll(async () => {
  await Promise.all(children.map(kill));
});

async function post(url: string, path: string, userId: number, key: string, body: object): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token({ sub: String(userId) })}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
}

/** Retries with the same key while the key is in progress (its dead claimant's lease), up to a deadline. */
async function retryUntilAnswered(send: () => Promise<Response>, deadlineMs: number): Promise<{ response: Response; body: string; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const response = await send();
    const body = await response.text();
    // In progress (the dead claimant's lease), or unavailable for a moment (a busy machine): retry.
    const retryable = (response.status === 409 && body.includes('IDEMPOTENCY_IN_PROGRESS')) || response.status === 503;
    if (!retryable) return { response, body, waitedMs: Date.now() - started };
    if (Date.now() - started > deadlineMs) throw new Error(`still in progress after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const db = () => testDb.current.db;
const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db())).rows[0]!.n;

describe('kill -9 at each point of a keyed write, then a retry with the same key', () => {
  let healthy: Child;
  let productId: number;
  beforeAll(async () => {
    const { id } = await new PgProductRepository(db()).add({ name: 'Kettle', price: 1_000, stock: 1_000 });
    productId = id;
    healthy = await startChild();
  });

  for (const [index, point] of KILL_POINTS.entries()) {
    it(`charge killed ${point}: charged exactly once, the retry answered within the lease`, async () => {
      const userId = 100 + index;
      const key = `charge-${point}`;
      const dying = await startChild(point);
      await expect(post(dying.url, `/users/${userId}/balance/charge`, userId, key, { amount: 700 })).rejects.toThrow();
      expect(await dying.exited).toBe('SIGKILL');

      const { response, body, waitedMs } = await retryUntilAnswered(() => post(healthy.url, `/users/${userId}/balance/charge`, userId, key, { amount: 700 }), LEASE_MS + 10_000);
      expect(response.status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ userId, balance: 700, chargedAmount: 700 });
      // Committed before the kill: replayed at once. Otherwise: run afresh once the lease ended.
      if (point === 'after-commit') {
        expect(response.headers.get('idempotent-replayed')).toBe('true');
        expect(waitedMs).toBeLessThan(LEASE_MS);
      } else {
        expect(response.headers.get('idempotent-replayed')).toBeNull();
      }
      expect(await count(sql<{ n: number }>`select count(*)::int as n from balance_history where user_id = ${userId}`)).toBe(1);
      expect(await count(sql<{ n: number }>`select balance::int as n from wallets where user_id = ${userId}`)).toBe(700);
      // And again: a replay, byte for byte.
      const again = await post(healthy.url, `/users/${userId}/balance/charge`, userId, key, { amount: 700 });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.text()).toBe(body);
    });

    it(`order killed ${point}: placed exactly once, the retry answered within the lease`, async () => {
      const userId = 200 + index;
      const key = `order-${point}`;
      await post(healthy.url, `/users/${userId}/balance/charge`, userId, `fund-${point}`, { amount: 5_000 });
      const order = { userId, items: [{ productId, quantity: 2 }] };
      const dying = await startChild(point);
      await expect(post(dying.url, '/orders', userId, key, order)).rejects.toThrow();
      expect(await dying.exited).toBe('SIGKILL');

      const { response, body } = await retryUntilAnswered(() => post(healthy.url, '/orders', userId, key, order), LEASE_MS + 10_000);
      expect(response.status).toBe(201);
      const placed = JSON.parse(body);
      const orders = (await sql<{ id: number }>`select id from orders where user_id = ${userId}`.execute(db())).rows;
      expect(orders).toEqual([{ id: placed.orderId }]);
      expect(await count(sql<{ n: number }>`select balance::int as n from wallets where user_id = ${userId}`)).toBe(3_000);
      expect(await count(sql<{ n: number }>`select count(*)::int as n from outbox where (payload->>'orderId')::bigint = ${placed.orderId}`)).toBe(1);
    });
  }

  it('kill -9 at a random moment with 300 keyed orders in flight: every key answered by a retry, every order placed once', async () => {
    const users = Array.from({ length: 300 }, (_, i) => 1_000 + i);
    for (const userId of users) await post(healthy.url, `/users/${userId}/balance/charge`, userId, 'fund', { amount: 10_000 });
    const order = (userId: number) => ({ userId, items: [{ productId, quantity: 1 }] });
    const stockBefore = await count(sql<{ n: number }>`select sum(remaining)::int as n from product_stock_shards where product_id = ${productId}`);

    const victim = await startChild();
    const inFlight = users.map((userId) => post(victim.url, '/orders', userId, 'rush', order(userId)).then((r) => r.status, () => 'lost' as const));
    // Kill once some have been answered and many are still running: the moment is the load's, not ours.
    let answered = 0;
    for (const pending of inFlight) void pending.then(() => (answered += 1));
    while (answered < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    await kill(victim);
    const firstTry = await Promise.all(inFlight);
    const lost = firstTry.filter((s) => s === 'lost').length;
    expect(lost).toBeGreaterThan(0);

    const retried = await Promise.all(users.map((userId) => retryUntilAnswered(() => post(healthy.url, '/orders', userId, 'rush', order(userId)), LEASE_MS + 20_000)));
    for (const { response } of retried) expect(response.status).toBe(201);
    const placed = (await sql<{ user_id: number; n: number }>`select user_id, count(*)::int as n from orders where user_id >= 1000 group by user_id`.execute(db())).rows;
    expect(placed).toHaveLength(users.length);
    expect(placed.every((row) => row.n === 1)).toBe(true);
    for (const [i, { body }] of retried.entries()) {
      const orderId = JSON.parse(body).orderId as number;
      expect(await count(sql<{ n: number }>`select user_id::int as n from orders where id = ${orderId}`)).toBe(users[i]);
    }
    expect(await count(sql<{ n: number }>`select sum(remaining)::int as n from product_stock_shards where product_id = ${productId}`)).toBe(stockBefore - users.length);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from idempotency_keys where status = 'IN_PROGRESS'`)).toBe(0);
    expect(await checkInvariants(db(), { maxBalance: 10_000_000, timeZone: 'Asia/Seoul' })).toEqual({ ok: true, violations: [] });
  });
});
