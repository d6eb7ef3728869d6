import { z } from 'zod';

const DEVELOPMENT_JWT_SECRET = 'storefront-development-secret-do-not-use-in-production';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A TCP port in digits: `PORT=abc` gets a message that says what is expected, not "received NaN". */
const portNumber = (name: string, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^[0-9]{1,5}$/, `${name} must be a port number from 0 to 65535, such as ${fallback}`)
    .transform(Number)
    .pipe(z.number().int().max(65535, `${name} must be a port number from 0 to 65535, such as ${fallback}`))
    .default(fallback);

/** Every variable of API.md's configuration table, parsed and checked once at start. */
const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: portNumber('PORT', 3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
    DATA_DIR: optionalString,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
    JWT_SECRET: optionalString.pipe(z.string().min(16, 'JWT_SECRET must be at least 16 characters').optional()),
    MAX_BALANCE: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(10_000_000),
    TZ_BUSINESS: z.string().refine(isTimeZone, 'TZ_BUSINESS must be an IANA time zone such as Asia/Seoul').default('Asia/Seoul'),
    DATA_PLATFORM_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
    DATA_PLATFORM_SECRET: optionalString,
    DATA_PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    EVENT_SINK_PATH: optionalString,
    PRODUCT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
    OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
    DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(3_000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(10_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ALLOW_EMBEDDED_IN_PRODUCTION: z.enum(['true', 'false']).default('false'),
    CORS_ORIGINS: optionalString.pipe(
      z
        .string()
        .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
        .pipe(z.array(z.url({ message: 'CORS_ORIGINS must be origins such as https://shop.example, separated by commas' })))
        .optional(),
    ),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(1_200),
    METRICS_PORT: portNumber('METRICS_PORT', 9464),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'JWT_SECRET is required when NODE_ENV=production' });
    }
    if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined && env.ALLOW_EMBEDDED_IN_PRODUCTION !== 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          'DATABASE_URL is required when NODE_ENV=production (the embedded database is for one process on one machine); set ALLOW_EMBEDDED_IN_PRODUCTION=true to run on it anyway',
      });
    }
    if (env.DATA_PLATFORM_URL !== undefined && env.DATA_PLATFORM_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATA_PLATFORM_SECRET'],
        message: 'DATA_PLATFORM_SECRET is required when DATA_PLATFORM_URL is set (events are signed with it)',
      });
    }
  });

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  http: { port: number; host: string };
  /** Unset: the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  jwt: { secret: string; isDevelopmentDefault: boolean };
  maxBalance: number;
  businessTimeZone: string;
  dataPlatform: { url: string; secret: string; timeoutMs: number } | { sinkPath: string };
  outboxMaxAttempts: number;
  /** How long an instance may serve `GET /products/{id}` from memory; 0 turns the cache off. */
  productCacheTtlMs: number;
  logLevel: string;
  /** Per transaction (SET LOCAL): a row lock waited for longer than `lockTimeoutMs` fails the request with 503. */
  databaseTimeouts: { lockTimeoutMs: number; statementTimeoutMs: number };
  /** How long a claimed idempotency key is held before a retry may take it over (the claimant died). */
  idempotencyLeaseMs: number;
  /** Origins a browser may call the API from; empty: no cross-origin calls. */
  corsOrigins: string[];
  /** Requests per caller per minute and instance; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Where the scheduler role serves `/metrics` (the HTTP role serves it on its own port). */
  metricsPort: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment. Throws a ConfigError listing every problem, so a bad MAX_BALANCE or
 * PORT stops the process at start with a message that names the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, defaults: { dataDir: string }): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const e = parsed.data;
  const dataDir = e.DATA_DIR ?? defaults.dataDir;
  return {
    nodeEnv: e.NODE_ENV,
    http: { port: e.PORT, host: e.HOST },
    databaseUrl: e.DATABASE_URL,
    dataDir,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    jwt: { secret: e.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET, isDevelopmentDefault: e.JWT_SECRET === undefined },
    maxBalance: e.MAX_BALANCE,
    businessTimeZone: e.TZ_BUSINESS,
    dataPlatform:
      e.DATA_PLATFORM_URL !== undefined && e.DATA_PLATFORM_SECRET !== undefined
        ? { url: e.DATA_PLATFORM_URL, secret: e.DATA_PLATFORM_SECRET, timeoutMs: e.DATA_PLATFORM_TIMEOUT_MS }
        : { sinkPath: e.EVENT_SINK_PATH ?? `${dataDir}/order-events.jsonl` },
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    productCacheTtlMs: e.PRODUCT_CACHE_TTL_MS,
    logLevel: e.LOG_LEVEL,
    databaseTimeouts: { lockTimeoutMs: e.DATABASE_LOCK_TIMEOUT_MS, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE_MS,
    corsOrigins: e.CORS_ORIGINS ?? [],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    metricsPort: e.METRICS_PORT,
  };
}
