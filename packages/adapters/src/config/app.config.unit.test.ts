import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app.config';

const defaults = { dataDir: '/srv/storefront/.data' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, defaults);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('gives every variable of the README its documented default', () => {
    const config = loadConfig({}, defaults);
    expect(config).toMatchObject({
      http: { port: 3000, host: '127.0.0.1' },
      databaseUrl: undefined,
      dataDir: defaults.dataDir,
      jwt: { isDevelopmentDefault: true },
      maxBalance: 10_000_000,
      businessTimeZone: 'Asia/Seoul',
      dataPlatform: { kind: 'file', sinkPath: `${defaults.dataDir}/order-events.jsonl` },
      outboxMaxAttempts: undefined,
      eventRetentionDays: 90,
      auditFullBudgetMs: 600_000,
      productCacheTtlMs: 1_000,
    });
  });

  it('reads a production environment', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        PORT: '8080',
        DATABASE_URL: 'postgres://app@db:5432/storefront',
        JWT_SECRET: 'a-secret-of-enough-length',
        MAX_BALANCE: '5000000',
        TZ_BUSINESS: 'Europe/Berlin',
        DATA_PLATFORM_URL: 'https://platform.internal/events',
        DATA_PLATFORM_SECRET: 'shared',
        OUTBOX_MAX_ATTEMPTS: '3',
        EVENT_RETENTION_DAYS: '30',
      },
      defaults,
    );
    expect(config).toMatchObject({
      http: { port: 8080 },
      databaseUrl: 'postgres://app@db:5432/storefront',
      jwt: { secret: 'a-secret-of-enough-length', isDevelopmentDefault: false },
      maxBalance: 5_000_000,
      businessTimeZone: 'Europe/Berlin',
      dataPlatform: { kind: 'http', url: 'https://platform.internal/events', secret: 'shared', timeoutMs: 5_000 },
      outboxMaxAttempts: 3,
      eventRetentionDays: 30,
      auditFullBudgetMs: 600_000,
    });
  });

  it('reads a nats:// data platform as JetStream, on STOREFRONT_EVENTS unless DATA_PLATFORM_STREAM says otherwise', () => {
    expect(loadConfig({ DATA_PLATFORM_URL: 'nats://127.0.0.1:4222' }, defaults).dataPlatform).toEqual({
      kind: 'nats',
      url: 'nats://127.0.0.1:4222',
      stream: 'STOREFRONT_EVENTS',
      timeoutMs: 5_000,
    });
    expect(loadConfig({ DATA_PLATFORM_URL: 'nats://nats:4222', DATA_PLATFORM_STREAM: 'ORDERS' }, defaults).dataPlatform).toMatchObject({ stream: 'ORDERS' });
    expect(problemsOf({ DATA_PLATFORM_URL: 'nats://nats:4222', DATA_PLATFORM_STREAM: 'a.b' })).toEqual([expect.stringMatching(/^DATA_PLATFORM_STREAM: /)]);
  });

  it('takes several signing secrets, comma separated, and refuses an empty or malformed one', () => {
    const url = 'https://platform.internal/events';
    expect(loadConfig({ DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: 'whsec_bmV3,old' }, defaults).dataPlatform).toMatchObject({ secret: 'whsec_bmV3,old' });
    expect(problemsOf({ DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: 'new,,old' })).toEqual([expect.stringMatching(/^DATA_PLATFORM_SECRET: .*empty/)]);
    expect(problemsOf({ DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: 'whsec_not base64!' })).toEqual([expect.stringMatching(/^DATA_PLATFORM_SECRET: .*base64/)]);
  });

  it('names each bad variable', () => {
    const problems = problemsOf({ MAX_BALANCE: 'lots', PORT: '70000', TZ_BUSINESS: 'Mars/Olympus', DATABASE_URL: 'mysql://x' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['PORT', 'MAX_BALANCE', 'TZ_BUSINESS', 'DATABASE_URL']));
  });

  it('refuses production without JWT_SECRET, and a data platform URL without its signing secret', () => {
    expect(problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db:5432/storefront' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: .*required/),
    ]);
    expect(problemsOf({ DATA_PLATFORM_URL: 'http://127.0.0.1:4000/events' })).toEqual([expect.stringMatching(/^DATA_PLATFORM_SECRET: /)]);
  });

  it('refuses production on the embedded database unless the operator opts in', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-secret-of-enough-length' };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^DATABASE_URL: .*ALLOW_EMBEDDED_IN_PRODUCTION=true/)]);
    expect(loadConfig({ ...production, ALLOW_EMBEDDED_IN_PRODUCTION: 'true' }, defaults).databaseUrl).toBeUndefined();
  });

  it('says what a port is when PORT is not one', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT: PORT must be a port number from 0 to 65535, such as 3000']);
    expect(problemsOf({ METRICS_PORT: '65536' })).toEqual([expect.stringMatching(/^METRICS_PORT: .*0 to 65535/)]);
  });

  it('reads the protection settings: no cross-origin caller and 1200 requests a minute by default', () => {
    expect(loadConfig({}, defaults)).toMatchObject({ corsOrigins: [], rateLimitPerMinute: 1_200, metricsPort: 9464 });
    const config = loadConfig({ CORS_ORIGINS: 'https://shop.example, http://localhost:5173', RATE_LIMIT_PER_MINUTE: '0' }, defaults);
    expect(config).toMatchObject({ corsOrigins: ['https://shop.example', 'http://localhost:5173'], rateLimitPerMinute: 0 });
    expect(problemsOf({ CORS_ORIGINS: 'shop' })).toEqual([expect.stringMatching(/^CORS_ORIGINS/)]);
  });
});
