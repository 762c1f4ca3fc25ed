/** Relation kinds and column types of the statement's tables, read from the catalog by our own query. */
import type { DatabaseSession } from '../../db/session';
import type { ColumnType } from './generateCandidates';
import { qualifiedName } from './identifiers';

export interface RelationShape {
  name: string;
  schema: string;
  /** pg_class.relkind: r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: string;
  columns: Map<string, ColumnType>;
}

// A type is B-tree-capable when a default B-tree opclass accepts it directly, through a binary-coercible
// cast (varchar → text), or generically (enums, arrays, ranges, records); domains count as their base type.
const shapesQuery = `
SELECT c.relname AS name, n.nspname AS schema, c.relkind::text AS kind, a.attname AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       (bt.typtype IN ('e', 'r', 'm', 'c') OR bt.typcategory = 'A' OR EXISTS (
          SELECT 1 FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
          WHERE am.amname = 'btree' AND oc.opcdefault
            AND (oc.opcintype = bt.oid OR EXISTS (
                  SELECT 1 FROM pg_catalog.pg_cast k
                  WHERE k.castsource = bt.oid AND k.casttarget = oc.opcintype AND k.castmethod = 'b'))
       )) AS btree,
       -- The operator class a B-tree needs for LIKE 'abc%' on this column: none where its collation sorts by
       -- bytes (C, POSIX, the builtin provider), else the type's pattern_ops (an ICU or en_US index cannot).
       CASE WHEN bt.typname NOT IN ('text', 'varchar', 'bpchar') THEN NULL
            WHEN coalesce(NULLIF(co.collname::text, 'default'),
                          CASE WHEN coalesce(pg_catalog.to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' THEN d.datcollate::text
                               WHEN pg_catalog.to_jsonb(d) ->> 'datlocprovider' = 'b' THEN 'C' END)
                 IN ('C', 'POSIX') THEN NULL
            ELSE bt.typname || '_pattern_ops' END AS like_opclass
FROM unnest($1::text[]) AS t(name)
JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.name)
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
CROSS JOIN (SELECT * FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) d
ORDER BY c.relname, a.attnum`;

/**
 * `schema.name` as StatementFacts spell it (unquoted: `Shop.Orders`) → text for to_regclass(), which folds an
 * unquoted name to lower case (`"Shop"."Orders"`). A name that contains a dot itself is not told apart.
 */
export function regclassText(table: string): string {
  const dot = table.lastIndexOf('.');
  return dot < 0 ? qualifiedName(undefined, table) : qualifiedName(table.slice(0, dot), table.slice(dot + 1));
}

/** Shapes keyed by the table name as the statement wrote it; names that do not resolve are absent. */
export async function readRelationShapes(
  session: DatabaseSession,
  tables: string[],
): Promise<Map<string, RelationShape>> {
  const out = new Map<string, RelationShape>();
  if (tables.length === 0) return out;
  const rows = await session.query<{
    name: string;
    schema: string;
    kind: string;
    column_name: string | null;
    data_type: string | null;
    btree: boolean | null;
    like_opclass: string | null;
  }>(shapesQuery, [tables.map(regclassText)]);
  for (const r of rows) {
    let shape = out.get(r.name);
    if (!shape) {
      shape = { name: r.name, schema: r.schema, kind: r.kind, columns: new Map() };
      out.set(r.name, shape);
    }
    if (r.column_name !== null)
      shape.columns.set(r.column_name, {
        dataType: r.data_type ?? '',
        btree: r.btree === true,
        ...(r.like_opclass ? { likeOpclass: r.like_opclass } : {}),
      });
  }
  return out;
}

/** Whether this connection refuses writes: a standby, or default_transaction_read_only. */
export async function isReadOnlyConnection(session: DatabaseSession): Promise<boolean> {
  const rows = await session.query<{ ro: string; recovery: boolean }>(
    "SELECT current_setting('transaction_read_only') AS ro, pg_catalog.pg_is_in_recovery() AS recovery",
  );
  return rows[0]?.ro === 'on' || rows[0]?.recovery === true;
}
