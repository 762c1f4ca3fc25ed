/**
 * EXPLAIN (VERBOSE)'s "Query Identifier" is a signed 64-bit integer (pg_stat_statements' queryid). Read as a
 * JavaScript number, one beyond 2^53 comes back rounded and no longer names the statement; its digits are
 * read back from the input instead and kept as a string.
 */

/** Replaces a rounded "Query Identifier" in `top` with its exact digits from `input` (any plan format). */
export function keepExactQueryIdentifier(top: Record<string, unknown>, input: string): void {
  const value = top['Query Identifier'];
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return;
  // Statement-level keys follow the plan tree: search back from the end rather than through a large plan.
  // JSON/YAML "Query Identifier": n, text "Query Identifier: n", XML <Query-Identifier>n<.
  const re = /Query[ -]Identifier"?\s*[:>]\s*(-?\d+)/g;
  for (let from = input.length; from > 0;) {
    const at = input.lastIndexOf('Identifier', from);
    if (at < 0) return;
    re.lastIndex = Math.max(0, at - 7);
    const m = re.exec(input);
    if (m && m.index <= at) {
      top['Query Identifier'] = m[1];
      return;
    }
    from = at - 1;
  }
}
