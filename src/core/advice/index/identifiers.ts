/** Identifier quoting and the readable index names we generate (PostgreSQL truncates names at 63 bytes). */

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

export const maxIdentifierBytes = 63;

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

/** Lower case, anything but letters, digits and `_` becomes `_`, runs collapsed: a name part that needs no quotes. */
export function namePart(text: string): string {
  const lowered = text.toLowerCase();
  let out = '';
  for (const ch of lowered) {
    const ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch === '_';
    const next = ok ? ch : '_';
    if (next === '_' && (out.endsWith('_') || out === '')) continue;
    out += next;
  }
  return out.replace(/_+$/, '');
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutToBytes(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * `orders_user_id_created_at_idx`: table, then the key parts, then a suffix; shortened to 63 bytes by cutting
 * the key parts (never the suffix), and made unique against `taken` with a number.
 */
export function indexName(table: string, parts: string[], suffix: string, taken: ReadonlySet<string> = new Set()): string {
  const tablePart = namePart(table) || 'table';
  const body = parts.map(namePart).filter((p) => p !== '').join('_');
  const compose = (tail: string): string => {
    const end = `_${suffix}${tail}`;
    const head = body === '' ? tablePart : `${tablePart}_${body}`;
    return cutToBytes(head, maxIdentifierBytes - byteLength(end)).replace(/_+$/, '') + end;
  };
  let name = compose('');
  for (let n = 1; taken.has(name); n++) name = compose(String(n));
  return name;
}
