/**
 * A throw-away database of its own on the run's PostgreSQL server, for a test file whose tables must not
 * collide with another file's: dropped first (a run killed half-way leaves it behind), then created.
 */
import { Client } from 'pg';
import type { TestServer } from './postgresServer';
import { testServer } from './globalServer';
import { openSession } from '../../src/core/db/openSession';
import type { DatabaseSession } from '../../src/core/db/session';

/** `url` with its database replaced. */
export function urlFor(server: TestServer, database: string): string {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates (or re-creates, empty) `name` and returns its URL. */
export async function createDatabase(server: TestServer, name: string): Promise<string> {
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return urlFor(server, name);
}

export async function dropDatabase(server: TestServer, name: string): Promise<void> {
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Runs `sql` (several statements at once) in the database at `url` on a connection of its own. */
export async function runSql(url: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Names of the real indexes in schema public, sorted. */
export async function indexNames(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: string }>(
      "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    );
    return r.rows.map((x) => x.name);
  } finally {
    await c.end();
  }
}

/**
 * A session on the run's server with `schema` made afresh (dropped first: a run killed half-way leaves it
 * behind): for a test file whose tables live in a schema of its own in the shared database.
 */
export async function sessionWithFreshSchema(schema: string, label = 'test'): Promise<DatabaseSession> {
  const s = await testServer();
  const session = await openSession({
    kind: 'server',
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    label,
  });
  await session.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
  return session;
}

/**
 * ANALYZE `table` on the connection that filled it (`run`) and wait until pg_stat_user_tables shows no rows
 * changed since: that backend's insert counts reach the shared statistics only when it flushes them, and a
 * flush that comes after the ANALYZE makes a just-analysed table look stale. Fails if it never settles.
 */
export async function analyzeSettled(
  run: (sql: string) => Promise<unknown>,
  url: string,
  table: string,
): Promise<void> {
  const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
  let modified = -1;
  for (let attempt = 0; attempt < 5; attempt++) {
    await run('SELECT pg_stat_force_next_flush()');
    await run(`ANALYZE ${table}`);
    await run('SELECT pg_stat_force_next_flush()');
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ modified: string }>(
        'SELECT n_mod_since_analyze AS modified FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2',
        [schema, name],
      );
      modified = Number(r.rows[0]?.modified ?? -1);
    } finally {
      await c.end();
    }
    if (modified === 0) return;
  }
  throw new Error(`${table}: pg_stat_user_tables still shows ${modified} rows changed since ANALYZE`);
}
