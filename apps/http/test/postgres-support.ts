import { DEFAULT_IN_MEMORY_NOW, ManualClock } from '@storefront/application/testing';
import { freshDatabase } from '@storefront/adapters/testing';
import { buildApp } from '../src/app';
import { composeHttp, postgresPorts } from '../src/http.composition';
import { holdToTheDocument, theServedDocument } from './openapi-contract';
import { TEST_PORT_CONFIG, testSettings, token, type AppOptions, type TestApp } from './support';

/**
 * The app on a fresh PostgreSQL database of its own (dropped on close), with a manual clock at
 * the same instant as the in-memory tests, so one suite runs on both.
 */
export async function postgresApp(options: AppOptions = {}): Promise<Omit<TestApp, 'store'>> {
  const database = await freshDatabase({ poolSize: 5 });
  const clock = new ManualClock(DEFAULT_IN_MEMORY_NOW);
  const ready = { value: true };
  const ports = { ...postgresPorts(database, TEST_PORT_CONFIG), clock };
  const settings = testSettings({ maxBalance: options.maxBalance ?? 10_000_000, readiness: async () => ready.value, productCacheTtlMs: 1_000 });
  const deps = composeHttp(ports, settings, options.overrides?.(ports));
  const contract = await theServedDocument();
  const app = await buildApp(deps, options.build);
  holdToTheDocument(app, contract);
  return {
    app,
    clock,
    ready,
    outboxRelayStore: ports.outboxRelayStore,
    close: async () => {
      await app.close();
      await database.close();
    },
    userToken: (userId) => token({ sub: String(userId) }),
    adminToken: () => token({ sub: '999', role: 'admin' }),
  };
}
