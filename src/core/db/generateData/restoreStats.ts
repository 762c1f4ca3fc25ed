/**
 * The server's own statistics put back on top of the generated rows (PostgreSQL 18's pg_restore_relation_stats and
 * pg_restore_attribute_stats), so the planner estimates at the server's scale and selectivities. Only on top of
 * generated rows: the planner scales a table's row count by its physical size (rows per page × the pages it really
 * has), so the restored reltuples is paired with the table's real relpages, and an empty table stays 0 rows.
 */
import type { DatabaseSession } from '../session';
import { literal } from './valueExpressions';
import type { StatsFile } from './statsFile';

/** A PostgreSQL array literal of text values: `{"a","b \"c\""}`. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function real(value: number): string {
  return `${Number.isFinite(value) ? value : 0}::real`;
}

/**
 * Restores row counts and column statistics of `tables` (`schema.table`, the generated ones) from `stats`.
 * Returns the tables restored; a table or column the functions refuse is skipped (its ANALYZE figures stay).
 */
export async function restoreServerStats(
  session: DatabaseSession,
  stats: StatsFile,
  tables: readonly string[],
  log?: (line: string) => void,
): Promise<string[]> {
  const restored: string[] = [];
  for (const key of tables) {
    const table = stats.tables[key];
    if (!table || table.rows <= 0) continue;
    const dot = key.indexOf('.');
    const schema = key.slice(0, dot);
    const name = key.slice(dot + 1);
    const [rel] = await session.query<{ pages: number }>(
      `SELECT c.relpages AS pages FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, name],
    );
    const pages = Number(rel?.pages ?? 0);
    if (pages <= 0) continue;
    const target = `'schemaname', ${literal(schema)}, 'relname', ${literal(name)}`;
    try {
      await session.execute(
        `SELECT pg_catalog.pg_restore_relation_stats(${target}, 'relpages', ${pages}::integer, 'reltuples', ${real(table.rows)}, 'relallvisible', ${pages}::integer)`,
      );
      for (const [column, s] of Object.entries(table.columns)) {
        const args = [
          `'attname', ${literal(column)}`,
          `'inherited', false`,
          `'null_frac', ${real(s.nullFrac)}`,
          `'n_distinct', ${real(s.nDistinct)}`,
        ];
        if (s.avgWidth !== undefined) args.push(`'avg_width', ${Math.round(s.avgWidth)}::integer`);
        if (s.correlation !== undefined) args.push(`'correlation', ${real(s.correlation)}`);
        if (s.mostCommonValues && s.mostCommonFreqs && s.mostCommonValues.length === s.mostCommonFreqs.length) {
          args.push(
            `'most_common_vals', ${literal(arrayLiteral(s.mostCommonValues))}::text`,
            `'most_common_freqs', ${literal(`{${s.mostCommonFreqs.join(',')}}`)}::real[]`,
          );
        }
        if (s.histogramBounds && s.histogramBounds.length >= 2)
          args.push(`'histogram_bounds', ${literal(arrayLiteral(s.histogramBounds))}::text`);
        try {
          await session.execute(`SELECT pg_catalog.pg_restore_attribute_stats(${target}, ${args.join(', ')})`);
        } catch (err) {
          log?.(`[embedded] statistics of ${key}.${column} not restored: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      restored.push(key);
    } catch (err) {
      log?.(`[embedded] statistics of ${key} not restored: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return restored;
}
