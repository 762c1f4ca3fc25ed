/**
 * Every statement our server session sends ends with this comment, so the tuner's own catalog queries and
 * EXPLAINs can be told apart in pg_stat_statements (which keeps a statement's text as first seen, comments
 * included) and left out of the top-queries list. At the end, not the start: error positions stay the user's.
 */
export const tunerTag = '/* pg-query-tuner */';

export function tagged(sql: string): string {
  // After a newline, so a trailing `-- comment` in the statement does not swallow the tag.
  return `${sql}\n${tunerTag}`;
}
