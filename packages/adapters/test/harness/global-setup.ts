import type { TestProject } from 'vitest/node';
import { createTemplateDatabase, dropDatabase } from './databases';
import { findPostgresServer } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server and migrated template of this run (see test/harness/index.ts). */
    storefrontPostgres: { adminUrl: string; template: string; source: string };
  }
}

/**
 * vitest globalSetup of the integration project: finds (or starts) PostgreSQL once per run,
 * creates this run's migrated template, and drops it (and stops a container) at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await findPostgresServer();
  const template = await createTemplateDatabase(server.adminUrl);
  project.provide('storefrontPostgres', { adminUrl: server.adminUrl, template, source: server.source });
  return async () => {
    await dropDatabase(server.adminUrl, template).catch(() => {});
    await server.stop();
  };
}
