/**
 * psql's row-count footer under a result, "(8 rows)", in the language of the psql that printed it:
 * "(8 lignes)", "(8 Zeilen)", "(8 filas)", "(8 строк)", "(8 行)", "(8개 행)". A plan line never starts with
 * "(", so a parenthesised count followed by a word is the footer whatever the word.
 */
export const PSQL_FOOTER = /^\(\d+ ?[^\d\s()][^()]{0,30}\)$/u;

/** True for the footer line, with or without surrounding white space. */
export function isPsqlFooter(line: string): boolean {
  return PSQL_FOOTER.test(line.trim());
}
