/**
 * A database of its own on the run's PostgreSQL server for the rewrite tests, filled by our own deterministic
 * generator SQL (setseed, generate_series), so other test files' tables cannot collide with ours.
 */
import { testServer } from '../../helpers/globalServer';
import { PgSession } from '../../../src/core/db/pgSession';

export interface RewriteDatabase {
  session: PgSession;
  drop(): Promise<void>;
}

export async function rewriteDatabase(name: string, setupSql: string): Promise<RewriteDatabase> {
  const server = await testServer();
  const admin = await PgSession.connect({ connectionString: server.url });
  const database = `${name}_${process.pid}`;
  await admin.execute(`DROP DATABASE IF EXISTS ${database}`);
  await admin.execute(`CREATE DATABASE ${database}`);
  // pg lets the connection string win over a separate `database` field, so the name goes into the URL.
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  const session = await PgSession.connect({ connectionString: url.toString() });
  await session.execute(setupSql);
  return {
    session,
    async drop() {
      await session.close();
      await admin.execute(`DROP DATABASE IF EXISTS ${database}`);
      await admin.close();
    },
  };
}
