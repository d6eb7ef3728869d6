import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/open-database';
import { migrateToLatest } from '../../src/migrations/migrate-to-latest';

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

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
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
  await withAdmin(adminUrl, async (admin) => {
    // Copies from one template serialise on it; a copy that meets another's brief session
    // on the template ("being accessed by other users") just tries again.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database "${name}" template "${template}"`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  });
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
