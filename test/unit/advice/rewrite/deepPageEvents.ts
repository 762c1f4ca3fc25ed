/**
 * Case 4's deep OFFSET page (docs/cases.md) on data from our own generator (setseed, generate_series):
 * timestamps with microseconds and ties on them, so the keyset's last key must reach the server exactly and the id
 * must break the ties. The keyset advice and the editor's numbers of it are tested on the same events table.
 */
import { useRewriteDatabase, type RewriteDatabase } from './rewriteDatabase';

const eventsSql = `
SELECT setseed(0.25);
CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, kind int NOT NULL, payload text NOT NULL);
INSERT INTO events
SELECT g, timestamptz '2024-01-01 00:00:00+00' + ((g * 7919) % 40000) * interval '1 second' + (g % 3) * interval '0.000123 second',
       g % 5, repeat('x', 60 + (random() * 40)::int)
FROM generate_series(1, 120000) g;
`;

/** Page 3,001 of 20 rows; `$1` is a kind to leave out. */
export const deepPage =
  'SELECT id, created_at, kind FROM events WHERE kind <> $1 ORDER BY created_at, id LIMIT 20 OFFSET 60000';

/** The events table in a database of its own, VACUUMed as autovacuum would have (statistics, visibility map). */
export function useDeepPageDatabase(name: string): () => RewriteDatabase {
  // VACUUM cannot run in the set-up batch.
  return useRewriteDatabase(name, eventsSql, (d) => d.session.execute('VACUUM ANALYZE events'));
}
