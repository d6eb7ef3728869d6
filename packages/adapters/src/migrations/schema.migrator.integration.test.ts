import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshEmptyDatabaseUrl } from '../../test/harness';
import { openDatabase } from '../db/database.factory';
import { migrateToLatest, migrations } from './schema.migrator';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('migrateToLatest', () => {
  it('migrates an empty database once, even with two migrators at the same time', async () => {
    const ref = await freshEmptyDatabaseUrl();
    const a = await openDatabase({ databaseUrl: ref.url, poolSize: 2 });
    const b = await openDatabase({ databaseUrl: ref.url, poolSize: 2 });
    try {
      const [appliedByA, appliedByB] = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
      expect([...appliedByA, ...appliedByB]).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(a.db)).toEqual([]);

      // The relay codes against exactly this outbox shape.
      const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>`
        select column_name, data_type, is_nullable, column_default
        from information_schema.columns where table_name = 'outbox' order by ordinal_position`.execute(a.db);
      expect(rows.map((r) => [r.column_name, r.data_type, r.is_nullable])).toEqual([
        ['seq', 'bigint', 'NO'],
        ['event_id', 'uuid', 'NO'],
        ['type', 'text', 'NO'],
        ['payload', 'json', 'NO'],
        ['occurred_at', 'timestamp with time zone', 'NO'],
        ['status', 'text', 'NO'],
        ['attempts', 'integer', 'NO'],
        ['next_attempt_at', 'timestamp with time zone', 'NO'],
        ['claim_token', 'uuid', 'YES'],
        ['lease_until', 'timestamp with time zone', 'YES'],
        ['last_error', 'text', 'YES'],
        ['created_at', 'timestamp with time zone', 'NO'],
        ['delivered_at', 'timestamp with time zone', 'YES'],
        ['order_id', 'bigint', 'NO'],
        ['sequence', 'bigint', 'YES'],
      ]);
      const { rows: indexes } = await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = 'outbox' order by indexname`.execute(a.db);
      expect(indexes.map((i) => i.indexdef)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/\(next_attempt_at, seq\) WHERE \(status = 'PENDING'::text\)/),
          expect.stringMatching(/\(status, seq\)/),
          expect.stringMatching(/\(order_id, seq\) WHERE \(status <> 'DELIVERED'::text\)/),
          expect.stringMatching(/UNIQUE INDEX outbox_sequence_idx ON public.outbox USING btree \(sequence\)/),
        ]),
      );
    } finally {
      await a.close();
      await b.close();
      await ref.drop();
    }
  });

  it('db:migrate exits non-zero with a one-line message when it cannot connect', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/migrations/migrate.main.ts'], {
      cwd: packageRoot,
      env: { ...process.env, DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/nowhere' },
    });
    const failure = await run.then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim()).toMatch(/^db:migrate: cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere: .+$/);
  });

  it('db:migrate migrates DATABASE_URL and is safe to repeat', async () => {
    const ref = await freshEmptyDatabaseUrl();
    try {
      const migrate = () =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/migrations/migrate.main.ts'], {
          cwd: packageRoot,
          env: { ...process.env, DATABASE_URL: ref.url },
        });
      expect((await migrate()).stdout).toMatch(/applied 0001-initial-schema/);
      expect((await migrate()).stdout).toMatch(/is up to date/);
    } finally {
      await ref.drop();
    }
  });
});
