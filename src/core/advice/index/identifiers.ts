/** The readable index names we generate (PostgreSQL truncates names at 63 bytes). */
import type { IndexCandidate } from '../indexSuggestion';
import { quoteIdentifier, qualifiedName } from '../../sql/quoteIdentifier';

export { quoteIdentifier, qualifiedName };

export const maxIdentifierBytes = 63;

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

/** The generated name with `tail` (a number, or '') after the suffix, within 63 bytes by cutting the key parts. */
function composeName(table: string, parts: string[], suffix: string, tail: string): string {
  const tablePart = namePart(table) || 'table';
  const body = parts
    .map(namePart)
    .filter((p) => p !== '')
    .join('_');
  const end = `_${suffix}${tail}`;
  const head = body === '' ? tablePart : `${tablePart}_${body}`;
  return cutToBytes(head, maxIdentifierBytes - byteLength(end)).replace(/_+$/, '') + end;
}

/**
 * `orders_user_id_created_at_idx`: table, then the key parts, then a suffix; shortened to 63 bytes by cutting
 * the key parts (never the suffix), and made unique against `taken` with a number.
 */
export function indexName(
  table: string,
  parts: string[],
  suffix: string,
  taken: ReadonlySet<string> = new Set(),
): string {
  let name = composeName(table, parts, suffix, '');
  for (let n = 1; taken.has(name); n++) name = composeName(table, parts, suffix, String(n));
  return name;
}

/** The name parts of an index the advisor generates: its keys, then what sets it apart (gin, covering, partial). */
export function candidateNameParts(c: Pick<IndexCandidate, 'keys' | 'method' | 'include' | 'predicate'>): string[] {
  return [
    ...c.keys.map((k) => k.column ?? namePart(k.expression ?? 'expr')),
    ...(c.method === 'gin' ? ['gin'] : []),
    ...(c.include.length > 0 ? ['covering'] : []),
    ...(c.predicate ? ['partial'] : []),
  ];
}

/** Names tried for one index before giving up on it being a numbered form of its plain name. */
const variantsChecked = 100;

/**
 * Whether `name` is the plain generated name of `c` or a numbered one (`…_idx1`, or the workload pool's `…_2`):
 * a name we made, that may give way to the plain name once that is free. Any other name was chosen elsewhere.
 */
export function isGeneratedName(
  name: string,
  c: Pick<IndexCandidate, 'table' | 'keys' | 'method' | 'include' | 'predicate'>,
): boolean {
  const parts = candidateNameParts(c);
  const pooled = /^(.*)_\d+$/.exec(name)?.[1];
  for (let n = 0; n < variantsChecked; n++) {
    const variant = composeName(c.table, parts, 'idx', n === 0 ? '' : String(n));
    if (variant === name || (pooled !== undefined && variant.slice(0, 60) === pooled)) return true;
  }
  return false;
}
