/**
 * A database of its own on the run's PostgreSQL server for the rewrite tests, filled by our own deterministic
 * generator SQL (setseed, generate_series), so other test files' tables cannot collide with ours.
 */
import { testServer } from '../../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { loadParser } from '../../../../src/core/sql/parser';

export interface RewriteDatabase {
  session: PgSession;
  drop(): Promise<void>;
}

export async function rewriteDatabase(name: string, setupSql: string): Promise<RewriteDatabase> {
  const server = await testServer();
  const database = `${name}_${process.pid}`;
  const session = await PgSession.connect({ connectionString: await createDatabase(server, database) });
  await session.execute(setupSql);
  return {
    session,
    async drop() {
      await session.close();
      await dropDatabase(server, database);
    },
  };
}

/**
 * For a describe whose tests share one such database: the parser loaded and the database made (then `prepare`,
 * for what cannot run in the setup batch, such as VACUUM) before its tests, dropped after them.
 */
export function useRewriteDatabase(
  name: string,
  setupSql: string,
  prepare?: (db: RewriteDatabase) => Promise<void>,
): () => RewriteDatabase {
  let db: RewriteDatabase | undefined;
  before(async () => {
    await loadParser();
    db = await rewriteDatabase(name, setupSql);
    await prepare?.(db);
  });
  after(async () => {
    await db?.drop();
  });
  return () => {
    if (!db)
      throw new Error(`The ${name} database is not ready: use it inside the tests of the describe that set it up.`);
    return db;
  };
}
