/** Whether an index that already exists serves what a candidate would: same method, equal or prefix keys, same predicate. */
import type { IndexInfo } from '../../db/catalog';
import type { IndexCandidate, IndexKey } from '../indexSuggestion';

/**
 * Catalog text (pg_get_indexdef, pg_get_expr) and our own text differ in quoting, parentheses, spacing and
 * implicit casts (`'2024-01-01'::date`); compare them with all of that removed.
 */
export function normalizeSqlText(text: string): string {
  let out = text.toLowerCase();
  // Casts the server adds to literals and columns: ::text, ::timestamp without time zone, ::character varying.
  out = out.replace(/::\s*"?[a-z_][a-z0-9_ ]*"?(\(\d+(,\s*\d+)?\))?(\[\])?/g, '');
  out = out.replace(/ 00:00:00(\+00)?'/g, "'");
  return out.replace(/[\s()"]/g, '');
}

function keyText(key: IndexKey, method: string): string {
  return keyWithOpclass(
    normalizeSqlText(key.column ?? key.expression ?? ''),
    method === 'btree' ? (key.opclass ?? '') : '',
  );
}

function keyWithOpclass(key: string, opclass: string): string {
  return opclass ? `${key} ${opclass}` : key;
}

function sameMethod(candidate: IndexCandidate, index: IndexInfo): boolean {
  return candidate.method === index.method;
}

/**
 * Whether the existing index could be dropped once the candidate is built: it enforces no constraint (a primary
 * key or unique index does, whatever the candidate holds), and the candidate is no narrower (a partial candidate
 * leaves the rows outside its predicate to the full index).
 */
function replaceable(candidate: IndexCandidate, index: IndexInfo): boolean {
  if (index.primary || index.unique) return false;
  if (!index.predicate) return !candidate.predicate;
  return (
    candidate.predicate !== undefined && normalizeSqlText(index.predicate) === normalizeSqlText(candidate.predicate)
  );
}

function samePredicate(candidate: IndexCandidate, index: IndexInfo): boolean {
  // A full index serves every query a partial one would (it is only larger).
  if (!index.predicate) return true;
  if (!candidate.predicate) return false;
  return normalizeSqlText(index.predicate) === normalizeSqlText(candidate.predicate);
}

export interface Coverage {
  index: IndexInfo;
  /** 'covered': nothing to add. 'extends': the candidate adds keys or INCLUDE columns to this index. */
  relation: 'covered' | 'extends';
}

/**
 * The existing index that already does the candidate's job, or one the candidate only extends (its keys are
 * a prefix of the candidate's) and that could then be dropped (replaceable). Directions are not compared: pg_get_indexdef per column omits them and a
 * B-tree scans both ways.
 */
export function existingCoverage(candidate: IndexCandidate, indexes: IndexInfo[]): Coverage | undefined {
  const wanted = candidate.keys.map((k) => keyText(k, candidate.method));
  let extended: Coverage | undefined;
  for (const index of indexes) {
    if (!index.valid || index.table !== candidate.table) continue;
    if (candidate.schema && index.schema !== candidate.schema) continue;
    if (!sameMethod(candidate, index) || !samePredicate(candidate, index)) continue;
    // A B-tree key's operator class counts (text_pattern_ops searches LIKE 'abc%' under any collation, the default
    // does only under C): `email` and `email text_pattern_ops` are different keys. GIN's jsonb_ops serves @> as
    // jsonb_path_ops does.
    const opclassOf = (i: number): string => {
      if (index.method !== 'btree') return '';
      // A key collated "C" searches a prefix with the default operator class, as text_pattern_ops does.
      if (index.keyCollations?.[i] === 'C' || index.keyCollations?.[i] === 'POSIX')
        return candidate.keys[i]?.opclass?.endsWith('_pattern_ops') ? (candidate.keys[i].opclass ?? '') : '';
      return index.keyOpclasses?.[i] ?? '';
    };
    const have = index.keyColumns.map((k, i) => keyWithOpclass(normalizeSqlText(k), opclassOf(i)));
    const keysServed = wanted.length <= have.length && wanted.every((k, i) => have[i] === k);
    if (keysServed) {
      const available = new Set([...have, ...index.includeColumns.map(normalizeSqlText)]);
      const includesServed = candidate.include.every((c) => available.has(normalizeSqlText(c)));
      if (includesServed) return { index, relation: 'covered' };
      if (replaceable(candidate, index)) extended ??= { index, relation: 'extends' };
      continue;
    }
    const isPrefixOfCandidate = have.length < wanted.length && have.every((k, i) => wanted[i] === k);
    if (isPrefixOfCandidate && replaceable(candidate, index)) extended ??= { index, relation: 'extends' };
  }
  return extended;
}
