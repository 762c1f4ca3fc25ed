/**
 * Values for the parameters a rewrite adds (keyset: the key of the last row of the previous page), found by the
 * rewrite's own query run with the statement's parameters. One place, so the proof, the index advisor and the
 * rewrite + index measurement bind the rewrite to the same row.
 */
type RunQuery = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** The statement's parameters followed by the added ones; undefined when the query finds no row (nothing to continue from). */
export async function rewriteParameters(
  run: RunQuery,
  extraParamsQuery: string | undefined,
  params: unknown[],
): Promise<unknown[] | undefined> {
  if (!extraParamsQuery) return params;
  const row = (await run(extraParamsQuery, params))[0];
  if (!row) return undefined;
  return [...params, ...Object.values(row)];
}

export const emptyPreviousPage = 'The page before this one is empty, so there is no last key to continue from.';
