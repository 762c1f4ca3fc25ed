/** The readable index names we generate (PostgreSQL truncates names at 63 bytes). */
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
