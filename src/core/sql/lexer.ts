/**
 * A small, tolerant SQL lexer in TypeScript. libpg-query's scanner is exact but costs tens of milliseconds on a
 * 1,000-line file and fails outright on an unterminated string, which is too slow and too brittle for
 * analysis as the user types. This lexer follows PostgreSQL's lexical rules closely enough for splitting,
 * placeholder rewriting and finding where an AST node ends; offsets are JS string (UTF-16) offsets.
 */

export type SqlTokenKind =
  'word' | 'quoted-ident' | 'string' | 'dollar-string' | 'number' | 'param' | 'operator' | 'punct' | 'comment';

export interface SqlToken {
  kind: SqlTokenKind;
  start: number;
  end: number;
  /** Lower-cased text for words, the raw text otherwise. */
  value: string;
  /** True for a string, quoted identifier or comment that runs to the end of the text. */
  unterminated?: boolean;
}

const OPERATOR_CHARS = new Set('+-*/<>=~!@#%^&|`?'.split(''));
const PUNCT_CHARS = new Set('()[],;.:'.split(''));

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 0x80;
}

function isIdentChar(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9') || c === '$';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Index just past a quoted run starting at `open` (the quote), honouring doubled quotes and, optionally, backslashes. */
function endOfQuoted(
  text: string,
  open: number,
  quote: string,
  backslashEscapes: boolean,
): { end: number; closed: boolean } {
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return { end: i + 1, closed: true };
    }
    i++;
  }
  return { end: text.length, closed: false };
}

function dollarTagAt(text: string, i: number): string | undefined {
  // $$ or $tag$ where tag is an identifier without '$'; `$1` is a parameter, not a tag.
  let j = i + 1;
  if (j < text.length && text[j] === '$') return '$$';
  if (j >= text.length || !isIdentStart(text[j])) return undefined;
  while (j < text.length && isIdentChar(text[j]) && text[j] !== '$') j++;
  return text[j] === '$' ? text.slice(i, j + 1) : undefined;
}

/**
 * The tokens of `text`, or of its tail from `from` (offsets stay those of `text`). Tokens only ever look
 * forward, so lexing from the end of a token gives the tokens the whole text has after it. With
 * `stopAfterSemicolon`, lexing stops after the first `;` token that ends at or after that offset.
 */
export function lexSql(text: string, from = 0, stopAfterSemicolon = Number.POSITIVE_INFINITY): SqlToken[] {
  const tokens: SqlToken[] = [];
  const n = text.length;
  let i = from;
  const push = (kind: SqlTokenKind, start: number, end: number, value: string, unterminated = false): void => {
    const t: SqlToken = { kind, start, end, value };
    if (unterminated) t.unterminated = true;
    tokens.push(t);
  };
  while (i < n) {
    const c = text[i];
    const code = text.charCodeAt(i);
    if (code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11) {
      i++;
      continue;
    }
    const start = i;
    if (c === '-' && text[i + 1] === '-') {
      let j = i + 2;
      while (j < n && text[j] !== '\n' && text[j] !== '\r') j++;
      push('comment', start, j, text.slice(start, j));
      i = j;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      push('comment', start, j, text.slice(start, j), depth > 0);
      i = j;
      continue;
    }
    if (c === "'") {
      const q = endOfQuoted(text, i, "'", false);
      push('string', start, q.end, text.slice(start, q.end), !q.closed);
      i = q.end;
      continue;
    }
    if ((c === 'e' || c === 'E') && text[i + 1] === "'") {
      const q = endOfQuoted(text, i + 1, "'", true);
      push('string', start, q.end, text.slice(start, q.end), !q.closed);
      i = q.end;
      continue;
    }
    if ((c === 'b' || c === 'B' || c === 'x' || c === 'X' || c === 'n' || c === 'N') && text[i + 1] === "'") {
      const q = endOfQuoted(text, i + 1, "'", false);
      push('string', start, q.end, text.slice(start, q.end), !q.closed);
      i = q.end;
      continue;
    }
    if ((c === 'u' || c === 'U') && text[i + 1] === '&' && (text[i + 2] === "'" || text[i + 2] === '"')) {
      const quote = text[i + 2];
      const q = endOfQuoted(text, i + 2, quote, false);
      push(quote === "'" ? 'string' : 'quoted-ident', start, q.end, text.slice(start, q.end), !q.closed);
      i = q.end;
      continue;
    }
    if (c === '"') {
      const q = endOfQuoted(text, i, '"', false);
      push('quoted-ident', start, q.end, text.slice(start, q.end), !q.closed);
      i = q.end;
      continue;
    }
    if (c === '$') {
      const tag = dollarTagAt(text, i);
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        push('dollar-string', start, end, text.slice(start, end), close < 0);
        i = end;
        continue;
      }
      let j = i + 1;
      while (j < n && isDigit(text[j])) j++;
      if (j > i + 1) {
        push('param', start, j, text.slice(start, j));
        i = j;
        continue;
      }
      push('operator', start, i + 1, '$');
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(text[j])) j++;
      push('word', start, j, text.slice(start, j).toLowerCase());
      i = j;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      let j = i;
      while (j < n && (isDigit(text[j]) || text[j] === '_' || text[j] === '.' || /[a-zA-Z]/.test(text[j]))) {
        // `1..2` is not a number; a '.' only belongs when a digit follows or precedes.
        if (text[j] === '.' && text[j + 1] === '.') break;
        if ((text[j] === 'e' || text[j] === 'E') && (text[j + 1] === '+' || text[j + 1] === '-')) j++;
        j++;
      }
      push('number', start, j, text.slice(start, j));
      i = j;
      continue;
    }
    if (c === ':' && text[i + 1] === ':') {
      push('operator', start, i + 2, '::');
      i += 2;
      continue;
    }
    if (c === ':' && text[i + 1] === '=') {
      push('operator', start, i + 2, ':=');
      i += 2;
      continue;
    }
    if (PUNCT_CHARS.has(c)) {
      push('punct', start, i + 1, c);
      i++;
      if (c === ';' && i >= stopAfterSemicolon) break;
      continue;
    }
    if (OPERATOR_CHARS.has(c)) {
      let j = i + 1;
      while (j < n && OPERATOR_CHARS.has(text[j])) {
        // A comment start ends the operator, as in PostgreSQL's lexer.
        if ((text[j] === '-' && text[j + 1] === '-') || (text[j] === '/' && text[j + 1] === '*')) break;
        j++;
      }
      push('operator', start, j, text.slice(start, j));
      i = j;
      continue;
    }
    // Anything else (stray backslash, non-breaking space…): one character, so that nothing loops.
    push('operator', start, i + 1, c);
    i++;
  }
  return tokens;
}

/** A token's identifier value: lower-cased for plain words, unquoted for "Quoted" names. */
export function identifierValue(token: SqlToken, text: string): string | undefined {
  if (token.kind === 'word') return token.value;
  if (token.kind === 'quoted-ident' && text[token.start] === '"') {
    return text.slice(token.start + 1, token.end - 1).replace(/""/g, '"');
  }
  return undefined;
}

/**
 * Whether a plain '…' (or N'…') string literal holds a backslash. Only there does a server with
 * standard_conforming_strings = off read the text differently from our parser (which, like PostgreSQL's
 * default, takes a backslash literally): lexing agrees up to the first such backslash, so without one the
 * server sees the very tokens, statements and string ends we do.
 */
export function backslashInPlainString(text: string): boolean {
  return lexSql(text).some((t) => t.kind === 'string' && /^[nN]?'/.test(t.value) && t.value.includes('\\'));
}
