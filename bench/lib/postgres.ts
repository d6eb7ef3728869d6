import pg from 'pg';

/** The local PostgreSQL the benchmark runs on: loopback only, user postgres. */
export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
export const PG_USER = 'postgres';

export function databaseUrl(database: string): string {
  const password = process.env.PGPASSWORD ? `:${encodeURIComponent(process.env.PGPASSWORD)}` : '';
  return `postgres://${PG_USER}${password}@${PG_HOST}:${PG_PORT}/${database}`;
}

/** Runs `work` on one short-lived connection to the local server's `database`, and closes it whatever happens. */
export function withClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClientAt(databaseUrl(database), work);
}

/** Runs `work` on one short-lived connection to `url`, and closes it whatever happens. */
export async function withClientAt<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected database name ${name}`);
  return `"${name}"`;
};

export async function createDatabase(name: string, template?: string): Promise<void> {
  await withClient('postgres', (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`));
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/**
 * VACUUM of a whole database (no ANALYZE: the plans keep the statistics of the seed), for the
 * ceilings' copy between pgbench runs; see measureCeiling.
 */
export async function vacuumDatabase(name: string): Promise<void> {
  await withClient(name, (c) => c.query('VACUUM'));
}

export async function serverVersion(): Promise<string> {
  return withClient('postgres', async (c) => {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? 'unknown'}`;
  });
}

/**
 * How many more client connections the server accepts, counting the service's pool as full
 * (its idle connections come and go; application_name 'storefront') and keeping a margin for
 * the invariant checker and whoever else shares this server.
 */
export async function freeConnections(servicePool: number, margin: number): Promise<{ free: number; maxConnections: number }> {
  return withClient('postgres', async (c) => {
    const { rows } = await c.query<{ max: string; reserved: string; used: string }>(
      `SELECT current_setting('max_connections') AS max,
              current_setting('superuser_reserved_connections') AS reserved,
              (SELECT count(*) FROM pg_stat_activity
                WHERE backend_type = 'client backend' AND application_name IS DISTINCT FROM 'storefront') AS used`,
    );
    const row = rows[0];
    if (!row) throw new Error('pg_stat_activity answered nothing');
    const maxConnections = Number(row.max);
    return { free: Math.max(1, maxConnections - Number(row.reserved) - Number(row.used) - servicePool - margin), maxConnections };
  });
}
