// The image's HEALTHCHECK: exit 0 when GET <url> answers 200 within 2.5 s, else 1. The default
// URL is the HTTP role's readiness (the database answers); the scheduler role passes its
// metrics port's: node infra/healthcheck.mjs http://127.0.0.1:9464/health/ready
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}/health/ready`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_500) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
