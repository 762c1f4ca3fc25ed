/**
 * Names (relations, aliases, indexes, functions, CTEs) come from plans and databases and may be anything: a
 * 100 MB string, newlines, terminal escape sequences. Every output shows a name through displayName: at most
 * MAX_SHOWN_NAME characters (then an ellipsis and the full length), on one line, control characters visible.
 * The medium's own escaping (Markdown, terminal) still applies on top (markdownText.ts, terminalText.ts).
 */

/** Longer names are cut: nobody reads past this, and copying a huge name into every line exhausts memory. */
export const MAX_SHOWN_NAME = 200;

/**
 * C0 and C1 control characters and DEL (ESC starts terminal sequences; newlines break a one-line label), and
 * the bidirectional overrides that make text read differently from what it holds.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** A control character as text that shows what it was: "\n", "\x1b", "\u202e". */
export function visibleControl(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character (newlines too) made visible: one line, nothing a terminal obeys. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, visibleControl);
}

/** A name as shown: capped at `max` characters ("…(104857600 characters)"), on one line, controls visible. */
export function displayName(name: string, max = MAX_SHOWN_NAME): string {
  if (name.length <= max) return oneLine(name);
  return `${oneLine(name.slice(0, max))}…(${name.length} characters)`;
}

/** A text (an insight's explanation) shows at most this much; a name inside it at most MAX_SHOWN_NAME. */
export const MAX_SHOWN_TEXT = 20_000;

/**
 * Prose that quotes names (insight explanations, suggestions, evidence) as shown: every run of more than
 * `maxRun` non-space characters (a name, quoted or qualified) cut as displayName cuts, then the whole at
 * `maxTotal`. An insight about a table with a 100 MB name quoted it three times; printed as is, the output
 * ran out of memory.
 */
export function capText(text: string, maxRun = MAX_SHOWN_NAME, maxTotal = MAX_SHOWN_TEXT): string {
  if (text.length <= maxRun) return text;
  // A scan, not a regular expression: /\S{201,}/ over a 100 MB run overflows the regex engine's backtrack stack.
  const parts: string[] = [];
  let shown = 0;
  let from = 0;
  let i = 0;
  while (i < text.length && shown <= maxTotal) {
    if (isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    if (end - i > maxRun) {
      const piece = `${text.slice(from, i + maxRun)}…(${end - i} characters)`;
      parts.push(piece);
      shown += piece.length;
      from = end;
    }
    i = end;
  }
  if (from < text.length && shown <= maxTotal) parts.push(text.slice(from, from + maxTotal - shown + 1));
  const runs = parts.join('');
  return runs.length > maxTotal ? `${runs.slice(0, maxTotal)}…(${text.length} characters)` : runs;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x2028 || code === 0x2029;
}
