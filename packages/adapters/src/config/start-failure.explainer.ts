import { DataDirLockedError } from '../db/data-dir.lock';

/** Where the failing process was going to connect and listen, for the hints. */
export interface StartContext {
  databaseUrl: string | undefined;
  /** The address the process listens on (the HTTP port, or the scheduler's metrics port). */
  listen?: { host: string; port: number; variable: string } | undefined;
}

/**
 * What went wrong at start, and what to do about it, in one line: the operator's first contact
 * with the service should be a hint, not a stack trace. Undefined for failures it does not
 * recognise (those are logged with their stack: they are bugs or surprises).
 */
export function explainStartFailure(error: unknown, context: StartContext): string | undefined {
  if (error instanceof DataDirLockedError) return error.message;
  if (error instanceof Error && error.name === 'SchemaMissingError') return error.message;
  const code = errorCode(error);
  const target = databaseTarget(context.databaseUrl);
  switch (code) {
    case '3D000':
      return target
        ? `The database "${target.database}" does not exist on ${target.host}:${target.port}. Create it (createdb -h ${target.host} -p ${target.port}${target.user ? ` -U ${target.user}` : ''} ${target.database}), run pnpm db:migrate, then start again.`
        : `The database does not exist: create it (createdb) and run pnpm db:migrate.`;
    case 'ECONNREFUSED':
      return target
        ? `Connection refused at ${target.host}:${target.port}. Is PostgreSQL running at ${target.host}:${target.port}? Check DATABASE_URL.`
        : 'Connection refused by the database. Is PostgreSQL running? Check DATABASE_URL.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The database host ${target?.host ?? ''} cannot be resolved. Check the host name in DATABASE_URL.`;
    case '28P01':
    case '28000':
      return `PostgreSQL refused the credentials of DATABASE_URL${target?.user ? ` (user ${target.user})` : ''}. Check the user and password.`;
    case 'EADDRINUSE':
      return context.listen
        ? `Port ${context.listen.port} on ${context.listen.host} is already in use. Stop the process that holds it, or set ${context.listen.variable} to a free port.`
        : 'The port is already in use. Stop the process that holds it, or choose another port.';
    case 'EACCES':
      return context.listen
        ? `Not allowed to listen on ${context.listen.host}:${context.listen.port}. Set ${context.listen.variable} to a port above 1023.`
        : undefined;
    case 'EADDRNOTAVAIL':
      return context.listen ? `The address ${context.listen.host} is not one of this machine's. Set HOST (0.0.0.0 listens on every address).` : undefined;
    default:
      return undefined;
  }
}

/** The code of the error or of the first of an AggregateError's (Node tries IPv6 and IPv4). */
function errorCode(error: unknown): string | undefined {
  if (error instanceof AggregateError && error.errors.length > 0) return errorCode(error.errors[0]) ?? ownCode(error);
  return ownCode(error);
}

function ownCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function databaseTarget(url: string | undefined): { host: string; port: string; database: string; user: string } | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return {
      host: parsed.hostname || 'localhost',
      port: parsed.port || '5432',
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
      user: decodeURIComponent(parsed.username),
    };
  } catch {
    return undefined;
  }
}
