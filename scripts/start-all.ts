/*
 * `pnpm start`: the whole service in one process — the HTTP API and the scheduler (00:00 sales
 * aggregation and the outbox relay) on the same database object. Without DATABASE_URL that is
 * the embedded PGlite database in `.data/` (single-process, hence one process for both roles),
 * migrated and seeded with demo data on first start. With DATABASE_URL it is PostgreSQL, which
 * operators migrate first with `pnpm db:migrate`.
 *
 * The only file that imports both apps (the dependency rule allows exactly this one).
 */
import { runService, type AppConfig, type Database } from '@storefront/adapters';
import { demoTokens, httpAddressOf, startHttpRole } from '@storefront/http';
import { startSchedulerRole } from '@storefront/scheduler';

await runService({
  listensOn: httpAddressOf,
  async start({ config, database, logger }) {
    const http = await startHttpRole({ config, database, logger: logger.child({ role: 'http' }) });
    // One process, one set of figures: the scheduler's go to the registry the HTTP port serves.
    const scheduler = startSchedulerRole({ config, database, logger: logger.child({ role: 'scheduler' }), metrics: http.metrics });
    return {
      async stop() {
        await http.close();
        await scheduler.close();
      },
      // Demo tokens are a development convenience: production never prints a token (it would be
      // signed with the real secret and land in the logs).
      async announce() {
        if (config.nodeEnv !== 'production' && (database.kind === 'pglite' || config.jwt.isDevelopmentDefault)) await printDemo(config, database, http.url);
      },
    };
  },
});

async function printDemo(config: AppConfig, database: Database, url: string): Promise<void> {
  const { user, admin } = await demoTokens(config.jwt.secret);
  const lines = [
    '',
    `Storefront is up at ${url} (${database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}/pglite` : 'PostgreSQL'}).`,
    `API docs: ${url}/docs   OpenAPI: ${url}/openapi.json`,
    '',
    'Demo tokens (valid 30 days, signed with the configured JWT_SECRET):',
    `  export USER_TOKEN=${user}`,
    `  export ADMIN_TOKEN=${admin}`,
    '',
    'Try:',
    `  curl -s ${url}/products`,
    `  curl -s -X POST ${url}/users/1/balance/charge -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-charge-1' -d '{"amount":500000}'`,
    `  curl -s -X POST ${url}/users/1/coupons -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -d '{"couponId":1}'`,
    `  curl -s -X POST ${url}/orders -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -d '{"userId":1,"items":[{"productId":1,"quantity":2}],"userCouponId":1}'`,
    '',
    'Cancel that order (stock, money and coupon come back), order again with the freed coupon, then refund one unit as an admin:',
    `  curl -s -X POST ${url}/orders/1/cancel -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-cancel-1' -d '{"reason":"changed my mind"}'`,
    `  curl -s -X POST ${url}/orders -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' -d '{"userId":1,"items":[{"productId":1,"quantity":2}],"userCouponId":1}'`,
    `  curl -s -X POST ${url}/admin/orders/2/refunds -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-refund-1' -d '{"items":[{"productId":1,"quantity":1}],"reason":"arrived damaged"}'`,
    `  curl -s ${url}/admin/orders -H "Authorization: Bearer $ADMIN_TOKEN"`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
