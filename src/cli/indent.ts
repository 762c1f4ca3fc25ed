/** Indents every non-empty line of a terminal block (the commands' nested sections). */
export function indent(text: string, by = '   '): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}
