/**
 * Whether a table has a plain index led by a column: a correlated subquery probes its key once per outer row, and
 * without such an index each probe reads the whole table (the statement as written then runs for days on a large
 * table, and no proof of a rewrite against it finishes).
 */
import type { DatabaseSession } from './session';

const indexQuery = `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
  WHERE i.indrelid = pg_catalog.to_regclass($1) AND a.attname = $2 AND i.indpred IS NULL) AS indexed`;

/** Whether `table` (SQL text, quoted where needed) has an index without WHERE whose first column is `column`. */
export async function hasKeyIndex(session: DatabaseSession, table: string, column: string): Promise<boolean> {
  return (await session.query<{ indexed: boolean }>(indexQuery, [table, column]))[0]?.indexed === true;
}
