/**
 * A database of its own on the run's server with one `events` table (60,000 rows, 2,000 accounts, 300 days),
 * vacuumed and analysed, and HypoPG where the server has it: enough for index builds that take a moment.
 */
import { testServer } from './globalServer';
import { createDatabase, runSql } from './testDatabase';

export async function createEventsDatabase(name: string): Promise<string> {
  const server = await testServer();
  const url = await createDatabase(server, name);
  if (server.extensions.includes('hypopg')) await runSql(url, 'CREATE EXTENSION IF NOT EXISTS hypopg');
  await runSql(
    url,
    `CREATE TABLE events (id int PRIMARY KEY, account int NOT NULL, created_at timestamptz NOT NULL, amount numeric NOT NULL);
     INSERT INTO events
       SELECT g, g % 2000, timestamptz '2024-01-01 00:00:00+00' + (g % 300) * interval '1 day', (g % 97) + 0.5
       FROM generate_series(1, 60000) g;`,
  );
  await runSql(url, 'VACUUM ANALYZE events');
  return url;
}
