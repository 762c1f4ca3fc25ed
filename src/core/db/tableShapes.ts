/**
 * What the rewrites must know about a table to be legal: its columns and which are NOT NULL, its unique
 * keys (a keyset needs one; `p.*` with GROUP BY p.id needs p.id to be the primary key), its foreign keys
 * (pushing a LIMIT below a join assumes every row finds its partner) and which columns lead an index.
 * Read from pg_catalog through the session's `query` (our own read-only statements, `$n` only).
 */
import type { DatabaseSession } from './session';

export interface ColumnShape {
  name: string;
  notNull: boolean;
  type: string;
}

export interface ForeignKeyShape {
  columns: string[];
  /** Referenced table, unqualified name. */
  refTable: string;
  refColumns: string[];
}

export interface TableShape {
  schema: string;
  name: string;
  columns: ColumnShape[];
  primaryKey?: string[];
  /** Plain-column keys of valid, non-partial unique indexes (the primary key included). */
  uniqueKeys: string[][];
  foreignKeys: ForeignKeyShape[];
  /** Key columns of every valid index, in order (an expression key as null). */
  indexKeys: Array<{ name: string; columns: Array<string | null>; partial: boolean }>;
}

/** Table shapes by the name used in the statement (as written, lower case) and by bare table name. */
export type TableShapes = Map<string, TableShape>;

export function shapeOf(shapes: TableShapes | undefined, name: string | undefined): TableShape | undefined {
  if (!shapes || !name) return undefined;
  return shapes.get(name.toLowerCase()) ?? shapes.get(name.toLowerCase().split('.').pop() ?? '');
}

export function isUniqueKey(shape: TableShape | undefined, columns: string[]): boolean {
  if (!shape) return false;
  const set = new Set(columns);
  return shape.uniqueKeys.some((key) => key.every((c) => set.has(c)));
}

export function isNotNull(shape: TableShape | undefined, column: string): boolean {
  return shape?.columns.find((c) => c.name === column)?.notNull === true;
}

/** Whether an index on the table has `column` as its first key (serves `WHERE column = …`). */
export function hasLeadingIndex(shape: TableShape | undefined, column: string): boolean {
  return shape?.indexKeys.some((i) => !i.partial && i.columns[0] === column) === true;
}

const relationQuery = `SELECT c.oid::bigint AS oid, n.nspname AS schema, c.relname AS name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = pg_catalog.to_regclass($1) AND c.relkind IN ('r', 'p', 'm', 'v', 'f')`;

const columnsQuery = `SELECT a.attname AS name, a.attnotnull AS not_null, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = $1::bigint::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

const indexesQuery = `SELECT ic.relname AS name, i.indisunique AS is_unique, i.indisprimary AS is_primary,
       i.indpred IS NOT NULL AS partial, i.indnkeyatts AS key_count,
       ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = $1::bigint::oid AND i.indisvalid
ORDER BY ic.relname`;

const foreignKeysQuery = `SELECT rc.relname AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns
FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
WHERE con.conrelid = $1::bigint::oid AND con.contype = 'f'`;

function textArray(value: unknown): Array<string | null> {
  if (Array.isArray(value)) return value.map((v) => (v === null ? null : String(v)));
  // A driver that leaves name[] as text: {a,b}
  if (typeof value === 'string') {
    return value
      .replace(/^\{|\}$/g, '')
      .split(',')
      .filter((s) => s !== '')
      .map((s) => (s === 'NULL' ? null : s.replace(/^"|"$/g, '')));
  }
  return [];
}

async function readShape(session: DatabaseSession, name: string): Promise<TableShape | undefined> {
  // Names come from the parser, already case-folded: quote them so to_regclass does not fold them again.
  const quoted = name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
  const rel = (await session.query<{ oid: string; schema: string; name: string }>(relationQuery, [quoted]))[0];
  if (!rel) return undefined;
  const oid = String(rel.oid);
  const columns = await session.query<{ name: string; not_null: boolean; type: string }>(columnsQuery, [oid]);
  const indexes = await session.query<{
    name: string;
    is_unique: boolean;
    is_primary: boolean;
    partial: boolean;
    key_count: number;
    columns: unknown;
  }>(indexesQuery, [oid]);
  const fks = await session.query<{ ref_table: string; columns: unknown; ref_columns: unknown }>(foreignKeysQuery, [
    oid,
  ]);
  const shape: TableShape = {
    schema: rel.schema,
    name: rel.name,
    columns: columns.map((c) => ({ name: c.name, notNull: c.not_null === true, type: c.type })),
    uniqueKeys: [],
    foreignKeys: fks.map((f) => ({
      refTable: f.ref_table,
      columns: textArray(f.columns).filter((c): c is string => c !== null),
      refColumns: textArray(f.ref_columns).filter((c): c is string => c !== null),
    })),
    indexKeys: [],
  };
  for (const i of indexes) {
    const keys = textArray(i.columns).slice(0, Number(i.key_count));
    shape.indexKeys.push({ name: i.name, columns: keys, partial: i.partial === true });
    if (i.is_unique && !i.partial && keys.every((k) => k !== null)) {
      shape.uniqueKeys.push(keys as string[]);
      if (i.is_primary) shape.primaryKey = keys as string[];
    }
  }
  return shape;
}

/** Reads the shapes of the named tables (names as written, possibly schema-qualified); unknown names are skipped. */
export async function readTableShapes(session: DatabaseSession, names: string[]): Promise<TableShapes> {
  const shapes: TableShapes = new Map();
  for (const name of [...new Set(names)]) {
    const shape = await readShape(session, name);
    if (!shape) continue;
    shapes.set(name.toLowerCase(), shape);
    if (!shapes.has(shape.name)) shapes.set(shape.name, shape);
  }
  return shapes;
}
