import { openDatabase } from '@storefront/adapters';
import { freshDatabaseUrl, startPgBouncer } from '@storefront/adapters/testing';
import { describeRacesOverHttp } from './races.suite';

/*
 * The race suite again, with every statement going through a real PgBouncer in transaction mode
 * whose 5 server connections the app's pool of 20 shares: a transaction may land on any server
 * connection, so anything relying on session state (a session lock, SET, a named prepared
 * statement) would break here. Not skipped anywhere: CI installs pgbouncer (.ci/run).
 */
describeRacesOverHttp('PostgreSQL through PgBouncer (transaction mode)', async () => {
  const ref = await freshDatabaseUrl();
  const bouncer = await startPgBouncer(ref.url, { poolSize: 5 });
  const database = await openDatabase({ databaseUrl: bouncer.urlFor(ref.url), poolSize: 20 });
  return {
    ...database,
    close: async () => {
      await database.close();
      await bouncer.stop();
      await ref.drop();
    },
  };
});
