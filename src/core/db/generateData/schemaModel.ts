/**
 * What the data generator must know about the loaded schema: the user's tables, their columns (type, NOT NULL,
 * defaults, identity, generated), keys, foreign keys and CHECK constraints, and which tables are still empty.
 * Read from pg_catalog through the session's `query` (our own read-only statements).
 */
import type { DatabaseSession } from '../session';

export interface GenColumn {
  name: string;
  /** format_type(): the type to cast generated values to (`numeric(10,2)`, `"my schema"."mood"`). */
  type: string;
  /** The base type's name after domains: `int4`, `text`, `timestamptz`, an enum's name… */
  baseTypeName: string;
  /** pg_type.typcategory of the base type: N numeric, S string, D date/time, B boolean, E enum, A array, U user… */
  category: string;
  /** typmod of the column (varchar length, numeric precision/scale), -1 when none. */
  typmod: number;
  notNull: boolean;
  /** Filled by the database itself: identity, serial (nextval default) or a generated column. */
  autoFilled: boolean;
  hasDefault: boolean;
  /** Labels of an enum type, in their order. */
  enumLabels?: string[];
}

export interface GenForeignKey {
  name: string;
  columns: string[];
  /** `schema.table` of the referenced table. */
  refTable: string;
  refColumns: string[];
}

export interface GenCheck {
  name: string;
  /** pg_get_constraintdef(): `CHECK ((price > (0)::numeric))`. */
  definition: string;
  columns: string[];
}

export interface GenTable {
  schema: string;
  name: string;
  /** `schema.table`, the key used everywhere here (and in stats files). */
  key: string;
  partitioned: boolean;
  columns: GenColumn[];
  primaryKey?: string[];
  /** Unique constraints and plain-column unique indexes, the primary key included. */
  uniqueKeys: string[][];
  foreignKeys: GenForeignKey[];
  checks: GenCheck[];
  empty: boolean;
}

/** `"name"` always quoted: names in the user's schema may hold anything. */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function tableName(table: { schema: string; name: string }): string {
  return `${quoteName(table.schema)}.${quoteName(table.name)}`;
}

const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp%'`;

const tablesQuery = `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${userSchemas}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname`;

const columnsQuery = `SELECT a.attrelid::int8 AS rel, a.attname AS name, a.attnotnull AS not_null,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.atttypmod AS typmod,
       COALESCE(bt.typname, t.typname) AS base_type, COALESCE(bt.typcategory, t.typcategory)::text AS category,
       a.atthasdef AS has_default, a.attidentity::text AS identity, a.attgenerated::text AS generated,
       COALESCE(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '') AS default_expr,
       CASE WHEN COALESCE(bt.typtype, t.typtype) = 'e' THEN
         ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = COALESCE(bt.oid, t.oid)
               ORDER BY e.enumsortorder) END AS enum_labels
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = ANY($1::int8[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

const constraintsQuery = `SELECT con.conrelid::int8 AS rel, con.conname AS name, con.contype::text AS type,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_name,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY($1::int8[]::oid[]) AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY con.conrelid, con.conname`;

const uniqueIndexesQuery = `SELECT i.indrelid::int8 AS rel,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       i.indnkeyatts AS key_count, (0 = ANY(i.indkey::int2[])) AS has_expression
FROM pg_catalog.pg_index i
WHERE i.indrelid = ANY($1::int8[]::oid[]) AND i.indisunique AND i.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid)`;

/** A driver that leaves name[]/text[] as text: `{a,"b c"}`. */
export function textArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v));
  if (typeof value !== 'string' || value === '{}' || value === '') return [];
  const out: string[] = [];
  const body = value.replace(/^\{|\}$/g, '');
  let i = 0;
  while (i < body.length) {
    let item = '';
    if (body[i] === '"') {
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        item += body[i] ?? '';
        i++;
      }
      i++;
    } else {
      while (i < body.length && body[i] !== ',') item += body[i++];
    }
    out.push(item);
    i++; // the comma
  }
  return out;
}

function columnsOfCheck(definition: string, columns: GenColumn[]): string[] {
  return columns
    .filter((c) => new RegExp(`(^|[^\\w"])("?)${escapeRegExp(c.name)}\\2([^\\w"]|$)`).test(definition))
    .map((c) => c.name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The user's tables (not partitions, not extension members) with everything the generator needs. */
export async function readSchemaModel(session: DatabaseSession): Promise<GenTable[]> {
  const rels = await session.query<{ oid: string | number; schema: string; name: string; kind: string }>(tablesQuery);
  if (rels.length === 0) return [];
  const oids = rels.map((r) => String(r.oid));
  const byOid = new Map<string, GenTable>();
  for (const r of rels) {
    byOid.set(String(r.oid), {
      schema: r.schema,
      name: r.name,
      key: `${r.schema}.${r.name}`,
      partitioned: r.kind === 'p',
      columns: [],
      uniqueKeys: [],
      foreignKeys: [],
      checks: [],
      empty: true,
    });
  }
  const columns = await session.query<{
    rel: string | number;
    name: string;
    not_null: boolean;
    type: string;
    typmod: number;
    base_type: string;
    category: string;
    has_default: boolean;
    identity: string;
    generated: string;
    default_expr: string;
    enum_labels: unknown;
  }>(columnsQuery, [oids]);
  for (const c of columns) {
    const table = byOid.get(String(c.rel));
    if (!table) continue;
    const labels = c.enum_labels === null || c.enum_labels === undefined ? undefined : textArray(c.enum_labels);
    table.columns.push({
      name: c.name,
      type: c.type,
      baseTypeName: c.base_type,
      category: c.category,
      typmod: Number(c.typmod),
      notNull: c.not_null === true,
      autoFilled: c.identity !== '' || c.generated !== '' || /^nextval\(/.test(c.default_expr),
      hasDefault: c.has_default === true,
      enumLabels: labels,
    });
  }
  const constraints = await session.query<{
    rel: string | number;
    name: string;
    type: string;
    columns: unknown;
    ref_schema: string | null;
    ref_name: string | null;
    ref_columns: unknown;
    definition: string;
  }>(constraintsQuery, [oids]);
  for (const c of constraints) {
    const table = byOid.get(String(c.rel));
    if (!table) continue;
    const cols = textArray(c.columns);
    if (c.type === 'p') {
      table.primaryKey = cols;
      table.uniqueKeys.push(cols);
    } else if (c.type === 'u') {
      table.uniqueKeys.push(cols);
    } else if (c.type === 'f' && c.ref_schema !== null && c.ref_name !== null) {
      table.foreignKeys.push({
        name: c.name,
        columns: cols,
        refTable: `${c.ref_schema}.${c.ref_name}`,
        refColumns: textArray(c.ref_columns),
      });
    } else if (c.type === 'c') {
      table.checks.push({
        name: c.name,
        definition: c.definition,
        columns: columnsOfCheck(c.definition, table.columns),
      });
    }
  }
  const uniques = await session.query<{
    rel: string | number;
    columns: unknown;
    key_count: number;
    has_expression: boolean;
  }>(uniqueIndexesQuery, [oids]);
  for (const u of uniques) {
    const table = byOid.get(String(u.rel));
    if (table && u.has_expression !== true) table.uniqueKeys.push(textArray(u.columns).slice(0, Number(u.key_count)));
  }
  const tables = [...byOid.values()];
  // One statement for all: which tables already hold rows (seed files), so that those are never touched.
  const probes = tables.map((t, i) => `EXISTS (SELECT 1 FROM ${tableName(t)}) AS t${i}`).join(', ');
  const [filled] = await session.query<Record<string, boolean>>(`SELECT ${probes}`);
  tables.forEach((t, i) => {
    t.empty = filled?.[`t${i}`] !== true;
  });
  return tables;
}
