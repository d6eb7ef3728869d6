import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compiledOnce } from './compiled-statement.template';
import type { DB } from './database.schema';

const db = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const build = (k: Kysely<DB>, a: { userId: number; balance: number }) =>
  k.updateTable('wallets').set({ balance: a.balance, updated_at: new Date(0) }).where('user_id', '=', a.userId).where('balance', '>=', 0).returning('balance');

describe('compiledOnce', () => {
  it("binds each call's arguments to the builder's own SQL, constants kept", () => {
    const statement = compiledOnce(build);
    statement(db, { userId: 1, balance: 10 });
    for (const args of [
      { userId: 7, balance: 700 },
      { userId: 8, balance: 800 },
    ]) {
      const reference = build(db, args).compile();
      const compiled = statement(db, args);
      expect(compiled.sql).toBe(reference.sql);
      expect(compiled.parameters).toEqual(reference.parameters);
    }
  });
});
