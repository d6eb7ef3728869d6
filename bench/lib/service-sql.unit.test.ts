import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandServiceSql, readServiceStatements } from './service-sql';

const SQL_DIR = fileURLToPath(new URL('../sql', import.meta.url));
const statements = readServiceStatements();

describe('the pgbench scripts, filled in from the SQL snapshots', () => {
  it.each(readdirSync(SQL_DIR).filter((file) => file.endsWith('.sql')))('%s expands with every parameter bound', (file) => {
    const expanded = expandServiceSql(readFileSync(join(SQL_DIR, file), 'utf8'), statements, file);
    expect(expanded).not.toMatch(/^-- @sql/m);
    expect(expanded).not.toMatch(/\$\d/);
  });

  it('puts in the service statement, its parameters bound, its constants kept', () => {
    const template = ['-- @sql PgWalletRepository.lockForUser \\gset w_', '--   userId: :u', '--   now: now()'].join('\n');
    expect(expandServiceSql(template, statements)).toContain('values (:u, 0, now()) on conflict ("user_id")');
  });

  it('stops on a parameter left unbound, one bound in vain, and an ambiguous method', () => {
    expect(() => expandServiceSql('-- @sql PgWalletRepository.lockForUser\n--   userId: :u', statements)).toThrow(/takes now \(\$3\)/);
    expect(() => expandServiceSql('-- @sql PgCatalogQueries.productById\n--   productId: 1\n--   price: 2', statements)).toThrow(/takes no price/);
    expect(() => expandServiceSql('-- @sql PgOrderRepository.addRefund', statements)).toThrow(/runs 2 statements/);
  });

  it('pipelines the commands the service sends in one round trip', () => {
    expect(expandServiceSql('-- @sql KyselyUnitOfWork.run#1', statements)).toMatch(/\\startpipeline\nbegin read write;\nset local lock_timeout = '\d+ms';\n.*\nselect pg_current_xact_id\(\);\n\\endpipeline/);
  });
});
