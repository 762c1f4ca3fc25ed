/**
 * A cheap test before the TypeScript compiler loads: whether a file may hold a query call the N+1 finder reads.
 * It must let through every call findNPlusOne knows, including a type argument (`pool.query<Row>(…)`, the usual
 * TypeScript way), or such files are never checked at all. Kept apart from the finder so checking does not load
 * the compiler.
 */
const queryCall = /\.(query|raw|\$queryRaw(Unsafe)?|any|many|manyOrNone)\s*(<[^();]*>\s*)?[(`]|\bsql\s*`/i;

export function mayHoldQueryCall(text: string): boolean {
  return queryCall.test(text);
}
