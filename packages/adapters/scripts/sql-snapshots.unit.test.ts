import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSqlSnapshots, SQL_SNAPSHOT_COMMAND, SQL_SNAPSHOT_DIR } from './sql-snapshots';

describe('packages/adapters/sql', () => {
  it('holds the SQL the repositories and queries compile to today', async () => {
    const fresh = await renderSqlSnapshots();
    const written = (await readdir(SQL_SNAPSHOT_DIR).catch(() => [])).filter((file) => file.endsWith('.sql')).sort();
    const stale: string[] = [];
    for (const file of new Set([...fresh.keys(), ...written])) {
      const text = await readFile(join(SQL_SNAPSHOT_DIR, file), 'utf8').catch(() => null);
      if (text !== fresh.get(file)) stale.push(file);
    }
    expect(stale, `the SQL snapshots drifted from the code: run \`${SQL_SNAPSHOT_COMMAND}\`, review the diff and commit it`).toEqual([]);
  });
});
