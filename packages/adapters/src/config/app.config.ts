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

/** Every variable of the README's configuration table, parsed and checked once at start. */
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
    DATA_PLATFORM_URL: optionalString.pipe(z.url({ protocol: /^(https?|nats)$/ }).optional()),
    DATA_PLATFORM_SECRET: optionalString.pipe(
      z
        .string()
        .refine((list) => list.split(',').every((secret) => secret.trim() !== '' && secret.trim() !== 'whsec_'), 'DATA_PLATFORM_SECRET lists an empty secret')
        .refine(
          (list) => list.split(',').every((secret) => !secret.trim().startsWith('whsec_') || /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret.trim())),
          'a whsec_ secret must be base64 after the prefix',
        )
        .optional(),
    ),
    DATA_PLATFORM_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'DATA_PLATFORM_STREAM must be a JetStream stream name (letters, digits, _ and -)').default('STOREFRONT_EVENTS'),
    DATA_PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    EVENT_SINK_PATH: optionalString,
    PRODUCT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
    OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).optional(),
    EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
    AUDIT_FULL_BUDGET_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
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
    if (env.DATA_PLATFORM_URL?.startsWith('http') === true && env.DATA_PLATFORM_SECRET === undefined) {
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
  dataPlatform:
    | { kind: 'http'; url: string; secret: string; timeoutMs: number }
    | { kind: 'nats'; url: string; stream: string; timeoutMs: number }
    | { kind: 'file'; sinkPath: string };
  /** Deliveries tried before an event is parked; unset: as many as span three days of backoff. */
  outboxMaxAttempts: number | undefined;
  /** Delivered events stay in the replay feed this many days, then the scheduler purges them. */
  eventRetentionDays: number;
  /** The time budget of the scheduler's nightly full invariant audit (GET /admin/audit, incremental, keeps 10 s). */
  auditFullBudgetMs: number;
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
    dataPlatform: dataPlatformOf(e, dataDir),
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    auditFullBudgetMs: e.AUDIT_FULL_BUDGET_MS,
    productCacheTtlMs: e.PRODUCT_CACHE_TTL_MS,
    logLevel: e.LOG_LEVEL,
    databaseTimeouts: { lockTimeoutMs: e.DATABASE_LOCK_TIMEOUT_MS, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE_MS,
    corsOrigins: e.CORS_ORIGINS ?? [],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    metricsPort: e.METRICS_PORT,
  };
}

function dataPlatformOf(e: z.infer<typeof environmentSchema>, dataDir: string): AppConfig['dataPlatform'] {
  const url = e.DATA_PLATFORM_URL;
  if (url?.startsWith('nats:')) return { kind: 'nats', url, stream: e.DATA_PLATFORM_STREAM, timeoutMs: e.DATA_PLATFORM_TIMEOUT_MS };
  if (url !== undefined && e.DATA_PLATFORM_SECRET !== undefined) {
    return { kind: 'http', url, secret: e.DATA_PLATFORM_SECRET, timeoutMs: e.DATA_PLATFORM_TIMEOUT_MS };
  }
  return { kind: 'file', sinkPath: e.EVENT_SINK_PATH ?? `${dataDir}/order-events.jsonl` };
}
