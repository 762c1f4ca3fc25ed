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
