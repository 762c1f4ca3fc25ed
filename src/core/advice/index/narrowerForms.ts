/**
 * Smaller forms of a candidate, to be measured next to it: without INCLUDE (a B-tree with INCLUDE columns
 * cannot deduplicate, so it is often several times larger), with only the INCLUDE columns the statement
 * reads, and with only the leading key. The advisor keeps the smallest form that measures (nearly) as fast.
 */
import type { IndexCandidate, IndexKey } from '../indexSuggestion';
import { indexName, namePart } from './identifiers';
import { candidateKey } from './indexDdl';

function keyPart(k: IndexKey): string {
  return k.column ?? namePart(k.expression ?? 'expr');
}

/** The "partial: … keeps N % of the rows" sentence of a candidate's reason, when it has one. */
function partialSentence(c: IndexCandidate): string | undefined {
  const at = c.columnOrderReason.indexOf('partial: ');
  return at < 0 ? undefined : c.columnOrderReason.slice(at);
}

function derive(
  c: IndexCandidate,
  keys: IndexKey[],
  include: string[],
  why: string,
  taken: Set<string>,
): IndexCandidate {
  const features = c.features.filter(
    (f) => (f !== 'covering' || include.length > 0) && (f !== 'composite' || keys.length > 1),
  );
  const parts = [
    ...keys.map(keyPart),
    ...(c.method === 'gin' ? ['gin'] : []),
    ...(include.length > 0 ? ['covering'] : []),
    ...(c.predicate ? ['partial'] : []),
  ];
  const keyNames = new Set(keys.map((k) => k.column ?? k.expression));
  const reasonParts = keys.map((k, i) => `${i + 1}. ${k.reason}`);
  if (include.length > 0)
    reasonParts.push(`INCLUDE ${include.join(', ')} so an index-only scan returns them without visiting the table`);
  const partial = partialSentence(c);
  if (partial) reasonParts.push(partial);
  reasonParts.push(why);
  const name = indexName(c.table, parts, 'idx', taken);
  taken.add(name);
  return {
    ...c,
    keys,
    include,
    features,
    name,
    // What the dropped keys served is no longer served; predicates of the WHERE and the kept keys still are.
    serves: c.serves.filter(
      (s) =>
        s.kind === 'predicate' ||
        s.kind === 'select' ||
        [...keyNames].some((k) => k !== undefined && s.text.includes(k)),
    ),
    columnOrderReason: reasonParts.join(' '),
  };
}

/**
 * Forms of `c` that store less, each a new candidate with its own name (added to `taken`). `readColumns`:
 * the columns of c's table the statement form being tuned reads (undefined = unknown or `*`).
 */
export function narrowerForms(
  c: IndexCandidate,
  readColumns: string[] | undefined,
  taken: Set<string>,
): IndexCandidate[] {
  if (c.method !== 'btree') return [];
  const out: IndexCandidate[] = [];
  const push = (f: IndexCandidate): void => {
    if (candidateKey(f) !== candidateKey(c) && !out.some((o) => candidateKey(o) === candidateKey(f))) out.push(f);
    else taken.delete(f.name);
  };
  if (c.include.length > 0) {
    if (readColumns) {
      const needed = c.include.filter((col) => readColumns.includes(col));
      if (needed.length > 0 && needed.length < c.include.length) {
        push(
          derive(
            c,
            c.keys,
            needed,
            `INCLUDE only what this form of the statement reads (not ${c.include.filter((x) => !needed.includes(x)).join(', ')}).`,
            taken,
          ),
        );
      }
    }
    // Column lists of subqueries and aggregates are not always known here: try each INCLUDE column left out,
    // and let the measurement say whether the index-only scan still holds.
    if (c.include.length > 1 && c.include.length <= 3) {
      for (const col of c.include) {
        push(
          derive(
            c,
            c.keys,
            c.include.filter((x) => x !== col),
            `Without ${col} in INCLUDE: measured as fast without it, so the statement does not need it from the index.`,
            taken,
          ),
        );
      }
    }
    push(
      derive(c, c.keys, [], 'Key-only: no INCLUDE, so equal keys are deduplicated and the index stays small.', taken),
    );
  }
  if (c.keys.length > 1 && c.keys[0].column !== undefined) {
    push(
      derive(
        c,
        [c.keys[0]],
        [],
        `Leading key only: ${c.keys.slice(1).map(keyPart).join(', ')} left out to keep the index small.`,
        taken,
      ),
    );
  }
  return out;
}
