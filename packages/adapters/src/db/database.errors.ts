/** The SQLSTATE of a PostgreSQL (pg or PGlite) error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

export function constraintName(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'constraint' in error && typeof error.constraint === 'string') {
    return error.constraint;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';
export const DEADLOCK_DETECTED = '40P01';
export const SERIALIZATION_FAILURE = '40001';
const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';

/** SQLSTATEs that say "the database cannot serve this now; the same request may work later". */
const UNAVAILABLE_STATES = new Set([
  LOCK_NOT_AVAILABLE, // lock_timeout: a row held long by someone else
  QUERY_CANCELED, // statement_timeout
  '25P03', // idle_in_transaction_session_timeout ended the session
  '53300', // too_many_connections
  '57P01', // admin_shutdown: pg_terminate_backend, a restart
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  DEADLOCK_DETECTED, // still there after the unit of work's retries
  SERIALIZATION_FAILURE,
]);

/** Node socket failures on the way to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** node-postgres reports a lost or unobtainable connection with plain Errors; these are their messages. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'connection timeout',
];

/**
 * True when a failure is the database being unreachable, restarting, overloaded or holding a
 * lock too long — not a bug and not the request's fault: the caller answers 503 and the client
 * retries. Class 08 (connection exception) included.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = sqlState(current);
    if (code !== undefined && (UNAVAILABLE_STATES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code))) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    const message = current instanceof Error ? current.message : '';
    if (CONNECTION_MESSAGES.some((known) => message.includes(known))) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}
