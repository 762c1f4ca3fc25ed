/**
 * The columns of an index suggested from an EXPLAIN condition, in the order a B-tree wants them: equality columns
 * first, then IN lists (`= ANY (…)`), then range columns (`>=`, `<`, a LIKE prefix), then the rest. A column of
 * another relation (`u.id` in `(user_id = u.id)`: the outer row of a SubPlan or a nested loop) is the value looked
 * up, not a column of this table's index. In the order of appearance, a SubPlan's `((created_at >= …) AND
 * (user_id = u.id))` gave `orders (created_at, user_id, id)`: the range first, and the outer row's id.
 */
import { conditionColumns } from './conditionColumns';

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const COLUMN = new RegExp(String.raw`^(?:(${IDENT})\.)?(${IDENT})$`);
/** Longest first, so `>=` is not read as `>`. */
const OPERATORS = ['~>=~', '~<=~', '~>~', '~<~', '<>', '!=', '<=', '>=', '~~*', '~~', '=', '<', '>'];
const RANGE = new Set(['<', '<=', '>', '>=', '~>=~', '~<=~', '~>~', '~<~', '~~']);

/** The scanned relation: its alias and name, either of which may qualify its columns (VERBOSE prints them). */
export interface ScannedRelation {
  alias?: string;
  relation?: string;
}

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

/** `((a))` → `a`, only when the outer parentheses enclose the whole text. */
function stripParens(text: string): string {
  let s = text.trim();
  for (;;) {
    if (!s.startsWith('(') || !s.endsWith(')')) return s;
    let depth = 0;
    let inString = false;
    let closesEarly = false;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === "'") inString = !inString;
      if (inString) continue;
      if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0 && i < s.length - 1) {
          closesEarly = true;
          break;
        }
      }
    }
    if (closesEarly) return s;
    s = s.slice(1, -1).trim();
  }
}

/** Top-level parts of `x AND y AND z`, outside strings and parentheses. */
function conjuncts(condition: string): string[] {
  const text = stripParens(condition);
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") inString = !inString;
    if (inString) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /^\sAND\s/i.test(text.slice(i, i + 5))) {
      out.push(text.slice(start, i));
      start = i + 5;
    }
  }
  out.push(text.slice(start));
  return out.map(stripParens).filter((p) => p !== '');
}

/** The first comparison operator outside strings and parentheses: [left, operator, right]. */
function comparison(part: string): [string, string, string] | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === "'") inString = !inString;
    if (inString) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      const op = OPERATORS.find((o) => part.startsWith(o, i));
      // `::` casts hold no operator characters; `=>` never appears in a condition.
      if (op) return [part.slice(0, i), op, part.slice(i + op.length)];
    }
  }
  return undefined;
}

/** A plain column side (casts and parentheses removed): its qualifier and name. */
function columnOf(side: string): { qualifier?: string; column: string } | undefined {
  const bare = stripParens(stripParens(side).replace(/::[\w\s."[\]]+$/, ''));
  const m = COLUMN.exec(bare.trim());
  if (!m || /^(true|false|null)$/i.test(m[2])) return undefined;
  return { qualifier: m[1] === undefined ? undefined : unquote(m[1]), column: unquote(m[2]) };
}

/**
 * Index key columns for `condition` on the scanned relation: equality, then IN, then range, then the other
 * columns it compares; outer columns left out.
 */
export function indexKeyColumns(condition: string, scanned: ScannedRelation): string[] {
  const local = (q: string | undefined): boolean => q === undefined || q === scanned.alias || q === scanned.relation;
  const equality: string[] = [];
  const inList: string[] = [];
  const range: string[] = [];
  const other: string[] = [];
  for (const part of conjuncts(condition)) {
    const isNull = /^(.*)\s+IS\s+NULL$/is.exec(part);
    if (isNull) {
      const c = columnOf(isNull[1]);
      if (c && local(c.qualifier)) equality.push(c.column);
      continue;
    }
    const cmp = comparison(part);
    if (cmp) {
      const [left, op, right] = cmp;
      const l = columnOf(left);
      const r = /^\s*ANY\s*\(/i.test(right) ? undefined : columnOf(right);
      const mine = l && local(l.qualifier) ? l : r && local(r.qualifier) ? r : undefined;
      const theirs = mine === l ? r : l;
      // Both sides of this table (`a = b`): no key order follows from it.
      if (mine && !(theirs && local(theirs.qualifier))) {
        if (op === '=' && /^\s*ANY\s*\(/i.test(right) && mine === l) inList.push(mine.column);
        else if (op === '=') equality.push(mine.column);
        else if (RANGE.has(op)) range.push(mine.column);
        else other.push(mine.column);
        continue;
      }
    }
    // Anything else (an expression, OR, a function): its columns last, outer ones left out.
    for (const ref of part.matchAll(new RegExp(String.raw`(?:^|[^\w$."])(?:(${IDENT})\.)?(${IDENT})(?![\w$(])`, 'g'))) {
      const column = unquote(ref[2]);
      if (local(ref[1] === undefined ? undefined : unquote(ref[1])) && conditionColumns(part).includes(column))
        other.push(column);
    }
  }
  return [...new Set([...equality, ...inList, ...range, ...other])];
}
