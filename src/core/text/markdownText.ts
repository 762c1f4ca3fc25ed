/**
 * Text from plans and databases (names, and the prose that quotes them) as Markdown that shows it literally:
 * rendered, `<img src=x onerror=…>` must stay text, a `|` must not split a table cell, a backtick must not
 * open a code span, a newline must not start a heading. One helper for every Markdown output (reports,
 * compare --markdown, health and advice reports).
 */
import { oneLine } from './displayName';

/**
 * Plain text → Markdown showing exactly that text, on one line: HTML's `<` and `&` as entities (so no tag
 * and no entity reaches a renderer); the markers that change meaning mid-line (`` ` `` `*` `[` `]` `|`
 * `~` `\\`, and `_` at a word's edge) backslash-escaped; a line-start marker ("# ", "- ", "+ ", "1. ", "===") escaped; control characters made
 * visible. Sentence punctuation stays as written, so our own prose around a name reads unchanged.
 */
export function markdownText(text: string): string {
  // Line starts that open a block: "> quote", "# h", "- item", "+ item", "1. item", a run of "=" or "-"
  // (setext underline). Elsewhere ">" is only text ("a >= b"): with every "<" an entity, no tag can form.
  return markdownInline(text).replace(
    /^(\s*)(?:(>|[#+-](?=\s|$)|\d+[.)](?=\s|$))|([=-])(?=\3*\s*$))/,
    (_: string, space: string, marker?: string, underline?: string) =>
      `${space}${(marker ?? underline ?? '').replace(/[>#+=.)-]/, (c: string) => `\\${c}`)}`,
  );
}

/** markdownText for text that follows something on its line ("**Why:** …", a table cell): no line start to guard. */
export function markdownInline(text: string): string {
  return (
    oneLine(text)
      .replace(/[\\`*[\]|~]/g, (c) => `\\${c}`)
      // "_" inside a word (created_at) never emphasises (CommonMark's flanking rules): left as written.
      .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
  );
}

/**
 * Our own prose whose backtick-quoted parts are code (an insight's suggestion: "Move the arithmetic to the other
 * side (`created_at = <value> - 1` …)"): those parts as code spans (markdownCode), the rest as markdownInline.
 * With an odd number of backticks (a quoted name holding one, a capped text) nothing is taken as code.
 */
export function markdownInlineWithCode(text: string): string {
  const parts = text.split('`');
  if (parts.length % 2 === 0) return markdownInline(text);
  return parts.map((part, i) => (i % 2 === 1 ? markdownCode(part) : markdownInline(part))).join('');
}

/** A code span that holds `text` whatever backticks it has (CommonMark: a longer run of backticks, padded). */
export function markdownCode(text: string): string {
  const line = oneLine(text);
  let longest = 0;
  for (const m of line.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const ticks = '`'.repeat(longest + 1);
  const pad = line.startsWith('`') || line.endsWith('`') || line === '' ? ' ' : '';
  // In a GFM table a `|` splits the cell even inside a code span; "\|" is the escape GFM reads there.
  return `${ticks}${pad}${line.replace(/\|/g, '\\|')}${pad}${ticks}`;
}

/** Several lines of text (an explanation with paragraphs) as Markdown, each line escaped as by markdownText. */
export function markdownLines(text: string): string {
  return text.split(/\r?\n/).map(markdownText).join('\n');
}
