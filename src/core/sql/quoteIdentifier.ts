/** Identifiers in the SQL we generate: quoted only when PostgreSQL requires it (case, characters, reserved words). */

// Reserved key words (PostgreSQL's "reserved" and "reserved (can be function or type)" categories):
// such a name must be quoted even when it is lower case.
const reserved = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation ' +
    'column concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze ' +
    'from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit ' +
    'localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references ' +
    'returning right select session_user similar some symmetric system_user table tablesample then to trailing true union ' +
    'unique user using variadic verbose when where window with'
  ).split(' '),
);

function isPlainIdentifier(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  const lowerOrUnderscore = (c: number): boolean => (c >= 97 && c <= 122) || c === 95;
  if (!lowerOrUnderscore(first)) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!lowerOrUnderscore(c) && !(c >= 48 && c <= 57) && c !== 36) return false;
  }
  return !reserved.has(name);
}

/** `orders` → orders, `Order Items` → "Order Items", `user` → "user". */
export function quoteIdentifier(name: string): string {
  return isPlainIdentifier(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` with each part quoted as needed; no schema → the bare name (search_path). */
export function qualifiedName(schema: string | undefined, name: string): string {
  return schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(name)}` : quoteIdentifier(name);
}
