/**
 * Column names and function calls in an EXPLAIN condition (`Filter`, `Index Cond`, …), read from the text the
 * server prints: `((status = 'pending'::text) AND (o.region = 7))` → columns status, region. Good enough to name
 * the columns of an index or CREATE STATISTICS suggestion; the SQL analysis owns exact parsing.
 */

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const OPERATOR = String.raw`(?:=|<>|!=|<=|>=|<|>|~~\*?|!~~\*?|~\*?|!~\*?|@>|<@|&&|@@|\bIS\b|\bIN\b|\bBETWEEN\b|\bLIKE\b|\bILIKE\b)`;
const COLUMN_BEFORE_OPERATOR = new RegExp(
  String.raw`(?:^|[\s(,])(${IDENT}(?:\.${IDENT})?)\s*(?:::[\w ]+(?:\[\])?)?\s*${OPERATOR}`,
  'g',
);
const COLUMN_AFTER_OPERATOR = new RegExp(
  String.raw`${OPERATOR}\s*\(?(${IDENT}(?:\.${IDENT})?)(?=\s*(?:\)|$|::|\s+AND\b|\s+OR\b))`,
  'g',
);
const FUNCTION_CALL = new RegExp(String.raw`(?:^|[\s(,])(${IDENT})\(`, 'g');

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'null',
  'true',
  'false',
  'any',
  'all',
  'array',
  'case',
  'when',
  'then',
  'else',
  'end',
  'subplan',
  'hashed',
  'is',
  'in',
]);

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

/** The column part of `alias.column` (or of `column`). */
function lastPart(qualified: string): string {
  const parts = qualified.match(new RegExp(IDENT, 'g')) ?? [qualified];
  return unquote(parts[parts.length - 1]);
}

function isColumnLike(raw: string): boolean {
  if (/^\$\d+$/.test(raw) || /^\d/.test(raw)) return false;
  return !KEYWORDS.has(raw.toLowerCase());
}

/**
 * Conditions repeat across a plan (one per partition, one per loop of a generated query): each distinct text
 * is read once. Bounded, so a long-lived extension host does not collect every condition it ever saw.
 */
const columnsCache = new Map<string, readonly string[]>();
const CACHE_LIMIT = 2_000;
/** Longer texts (a long IN list) are rare repeats and would make the cache large. */
const CACHED_LENGTH = 2_000;

/** Distinct columns compared in the condition, in order of appearance. */
export function conditionColumns(condition: string): string[] {
  if (condition.length > CACHED_LENGTH) return readColumns(condition);
  let columns = columnsCache.get(condition);
  if (!columns) {
    columns = readColumns(condition);
    if (columnsCache.size >= CACHE_LIMIT) columnsCache.clear();
    columnsCache.set(condition, columns);
  }
  // A copy: the caller may change its array.
  return [...columns];
}

function readColumns(condition: string): string[] {
  const found: Array<{ at: number; name: string }> = [];
  for (const re of [COLUMN_BEFORE_OPERATOR, COLUMN_AFTER_OPERATOR]) {
    re.lastIndex = 0;
    // Quotes before the match, counted as the matches move right: one pass, not a recount per match.
    let quotes = 0;
    let counted = 0;
    for (let m = re.exec(condition); m; m = re.exec(condition)) {
      const raw = m[1];
      const at = m.index + m[0].indexOf(raw);
      for (; counted < at; counted++) if (condition.charCodeAt(counted) === 39) quotes++;
      // A string constant's contents are not columns.
      if (quotes % 2 === 1) continue;
      if (isColumnLike(raw)) found.push({ at: m.index, name: lastPart(raw) });
    }
  }
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => f.name))].filter((n) => isColumnLike(n));
}

/** Functions applied in the condition (`lower`, `date_trunc`), which the planner cannot estimate from column statistics. */
export function conditionFunctions(condition: string): string[] {
  const names: string[] = [];
  FUNCTION_CALL.lastIndex = 0;
  for (let m = FUNCTION_CALL.exec(condition); m; m = FUNCTION_CALL.exec(condition)) {
    const name = unquote(m[1]).toLowerCase();
    if (!KEYWORDS.has(name) && !names.includes(name)) names.push(name);
  }
  return names;
}

/** Conditions combined with AND at the top level (`(a = 1) AND (b = 2)` → 2). */
export function andedConditionCount(condition: string): number {
  let depth = 0;
  let count = 1;
  let inString = false;
  const text = condition.replace(/^\((.*)\)$/s, '$1');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") inString = !inString;
    if (inString) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /^\sAND\s/i.test(text.slice(i, i + 5))) count++;
  }
  return count;
}
