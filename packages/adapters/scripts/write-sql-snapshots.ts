import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSqlSnapshots, SQL_SNAPSHOT_DIR } from './sql-snapshots';

/*
 * `pnpm sql:snapshot`: rewrites packages/adapters/sql/*.sql from the code. Run it after changing
 * a query; packages/adapters/scripts/sql-snapshots.unit.test.ts fails until then, and the
 * benchmark's pgbench ceilings read the statements from these files.
 */

const files = await renderSqlSnapshots();
await mkdir(SQL_SNAPSHOT_DIR, { recursive: true });
for (const stale of (await readdir(SQL_SNAPSHOT_DIR)).filter((file) => file.endsWith('.sql') && !files.has(file))) {
  await rm(join(SQL_SNAPSHOT_DIR, stale));
}
for (const [file, text] of files) await writeFile(join(SQL_SNAPSHOT_DIR, file), text);
console.log(`wrote ${files.size} files to ${SQL_SNAPSHOT_DIR}`);
