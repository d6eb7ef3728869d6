import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.factory';
import { migrateToLatest } from '../../src/migrations/schema.migrator';

/*
 * Test databases on one PostgreSQL server: a migrated template per test run, and a fresh copy
 * of it per test file (CREATE DATABASE … TEMPLATE is a file copy, far faster than migrating).
 * Names carry their creation time, so a run can drop what crashed runs left behind without
 * touching the databases of a run still going.
 */
const TEMPLATE_PREFIX = 'storefront_tpl_';
const TEST_PREFIX = 'storefront_test_';
/** Databases of ours older than this are leftovers of runs that did not clean up. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** How long the harness keeps trying while the server turns it away for a moment. */
const TRANSIENT_DEADLINE_MS = 60_000;

/**
 * Refusals that pass when the machine is less busy: every connection slot taken by the suites
 * of other runs (53300), the server starting or stopping (57P03), a copy of the template meeting
 * another session on it (55006).
 */
function isTransientRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '53300' || code === '57P03' || code === '55006' || code === 'ECONNRESET';
}

async function retryingTransientRefusals<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + TRANSIENT_DEADLINE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientRefusal(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 1_000)));
    }
  }
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await retryingTransientRefusals(async () => {
    const candidate = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
    candidate.on('error', () => {});
    try {
      await candidate.connect();
      return candidate;
    } catch (error) {
      await candidate.end().catch(() => {});
      throw error;
    }
  });
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const uniqueName = (prefix: string) => `${prefix}${Date.now()}_${process.pid}_${randomBytes(3).toString('hex')}`;

/** Creates and migrates this run's template; answers its name. */
export async function createTemplateDatabase(adminUrl: string): Promise<string> {
  await dropLeftovers(adminUrl);
  const name = uniqueName(TEMPLATE_PREFIX);
  await withAdmin(adminUrl, (admin) => admin.query(`create database "${name}"`));
  const database = await openDatabase({ databaseUrl: databaseUrl(adminUrl, name), poolSize: 1 });
  try {
    await migrateToLatest(database.db);
  } finally {
    // No session may stay on a template, or copying it fails.
    await database.close();
  }
  // Nor may one arrive: an autovacuum worker visiting the freshly migrated template made copies
  // fail with 55006 ("being accessed by other users") until it left. A database that allows no
  // connections is left alone, and CREATE DATABASE … TEMPLATE still copies it.
  await withAdmin(adminUrl, (admin) => admin.query(`alter database "${name}" with allow_connections false`));
  return name;
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (admin) => admin.query(`drop database if exists "${name}" with (force)`));
}

export interface FreshDatabaseRef {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new database copied from the migrated template. */
export async function copyTemplate(adminUrl: string, template: string): Promise<FreshDatabaseRef> {
  const name = uniqueName(TEST_PREFIX);
  // Copies from one template serialise on it; a copy that still meets a session on it tries again.
  await withAdmin(adminUrl, (admin) => retryingTransientRefusals(() => admin.query(`create database "${name}" template "${template}"`)));
  // Test data need not survive a crash of the server: skipping the wait for the WAL flush at
  // each commit makes the suite several times faster and changes nothing about locking.
  await withAdmin(adminUrl, (admin) => admin.query(`alter database "${name}" set synchronous_commit = off`));
  return { name, url: databaseUrl(adminUrl, name), drop: () => dropDatabase(adminUrl, name) };
}

async function dropLeftovers(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1 or datname like $2`,
      [`${TEMPLATE_PREFIX}%`, `${TEST_PREFIX}%`],
    );
    const cutoff = Date.now() - LEFTOVER_AGE_MS;
    for (const { datname } of rows) {
      const createdAt = Number(datname.replace(TEMPLATE_PREFIX, '').replace(TEST_PREFIX, '').split('_')[0]);
      if (Number.isFinite(createdAt) && createdAt < cutoff) {
        await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
      }
    }
  });
}
