import { lexSql } from './lexer';
import type { SqlToken } from './lexer';
import { parseSql } from './parser';
import { TunerError } from '../errors';

/** One statement of a file: `text === fileText.slice(start, end)`, no trailing `;`, no leading comments. */
export interface SqlStatement {
  text: string;
  start: number;
  end: number;
}

/**
 * Splits a SQL file into statements on top-level `;`, like psql does: semicolons inside strings, quoted
 * identifiers, comments, dollar quotes, `BEGIN ATOMIC … END` bodies and `CREATE RULE … DO (…; …)` do not
 * split. Lexical only, so a syntax error in one statement never hides the others.
 */
export function splitStatements(text: string): SqlStatement[] {
  // Copies: callers own what they get, the remembered split stays as it was.
  return splitRemembered(text).statements.map((s) => ({ text: s.text, start: s.start, end: s.end }));
}

export function splitTokens(text: string, tokens: SqlToken[]): SqlStatement[] {
  return splitFrom(text, new TokenStream(tokens), undefined).statements;
}

/**
 * Tokens for the splitter, lexed on demand a statement at a time when `text` is given: after an edit the
 * splitter usually gets back in step with the old split a statement or two later, and the rest of the
 * document is never lexed.
 */
class TokenStream {
  private next = 0;
  private done: boolean;

  constructor(
    readonly tokens: SqlToken[],
    private readonly text?: string,
    from = 0,
    private readonly stop = 0,
  ) {
    this.next = from;
    this.done = text === undefined;
  }

  /** Whether tokens[i] exists, lexing more of the text if needed. */
  has(i: number): boolean {
    while (i >= this.tokens.length && !this.done) {
      const text = this.text as string;
      const chunk = lexSql(text, this.next, Math.max(this.stop, this.next));
      for (const t of chunk) this.tokens.push(t);
      if (chunk.length === 0) this.done = true;
      else this.next = chunk[chunk.length - 1].end;
      if (this.next >= text.length) this.done = true;
    }
    return i < this.tokens.length;
  }
}

/** A split, with the end offset of every `;` token that ended a statement (where the splitter starts afresh). */
interface Split {
  text: string;
  statements: SqlStatement[];
  cuts: number[];
}

/**
 * The splits of the last few texts. The editor checks a document on every pause in typing, and asks for the
 * statement of every finding; between two checks usually one statement changed. A text seen before costs a
 * comparison; an edited one is lexed only from the last statement boundary before the edit up to the first
 * boundary after it where the splitter is back in step with the previous split.
 */
const remembered: Split[] = [];
const REMEMBERED_LIMIT = 4;

function splitRemembered(text: string): Split {
  for (const split of remembered) if (split.text === text) return split;
  const previous = remembered[0];
  const split = previous ? splitEdited(previous, text) : splitFrom(text, new TokenStream(lexSql(text)), undefined);
  remembered.unshift(split);
  if (remembered.length > REMEMBERED_LIMIT) remembered.pop();
  return split;
}

function splitEdited(old: Split, text: string): Split {
  const oldText = old.text;
  const shortest = Math.min(oldText.length, text.length);
  // Whole blocks compared natively first, then characters.
  const block = 256;
  let prefix = 0;
  while (prefix + block <= shortest && oldText.slice(prefix, prefix + block) === text.slice(prefix, prefix + block))
    prefix += block;
  while (prefix < shortest && oldText.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  const room = shortest - prefix;
  let suffix = 0;
  while (
    suffix + block <= room &&
    oldText.slice(oldText.length - suffix - block, oldText.length - suffix) ===
      text.slice(text.length - suffix - block, text.length - suffix)
  ) {
    suffix += block;
  }
  while (suffix < room && oldText.charCodeAt(oldText.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix))
    suffix++;

  // Restart after the last `;` that ended a statement well before the edit: up to there tokens and statements
  // are the old ones (a token looks at most two characters past its end).
  let kept = 0;
  while (kept < old.cuts.length && old.cuts[kept] + 2 <= prefix) kept++;
  const restart = kept > 0 ? old.cuts[kept - 1] : 0;
  const head = old.statements.filter((s) => s.start < restart);
  const resync: Resync = { delta: text.length - oldText.length, unchangedFrom: text.length - suffix, old };
  // Lexed in one go up to the first `;` in the unchanged tail, where the splitter may get back in step.
  const tail = splitFrom(text, new TokenStream([], text, restart, resync.unchangedFrom), resync);
  return { text, statements: [...head, ...tail.statements], cuts: [...old.cuts.slice(0, kept), ...tail.cuts] };
}

/** Where the new text is the old one shifted by `delta`: from `unchangedFrom` on. */
interface Resync {
  delta: number;
  unchangedFrom: number;
  old: Split;
}

/**
 * The splitter proper. With `resync`, it stops at the first statement boundary inside the unchanged tail that
 * was also a boundary of the old split: from there the lexer and the splitter see what they saw before, so
 * the old statements and boundaries after it are taken over, shifted.
 */
function splitFrom(text: string, stream: TokenStream, resync: Resync | undefined): Split {
  const tokens = stream.tokens;
  const statements: SqlStatement[] = [];
  const cuts: number[] = [];
  let first = -1;
  let last = -1;
  let atomicDepth = 0;
  let parenDepth = 0;
  let isRule = false;
  const flush = (): void => {
    if (first >= 0) {
      const start = tokens[first].start;
      const end = tokens[last].end;
      statements.push({ text: text.slice(start, end), start, end });
    }
    first = last = -1;
    atomicDepth = parenDepth = 0;
    isRule = false;
  };
  for (let i = 0; stream.has(i); i++) {
    const t = tokens[i];
    if (t.kind === 'comment') continue;
    if (t.kind === 'punct' && t.value === ';' && atomicDepth === 0 && (!isRule || parenDepth <= 0)) {
      flush();
      cuts.push(t.end);
      if (resync && t.end >= resync.unchangedFrom && takeOver(resync, t.end, statements, cuts))
        return { text, statements, cuts };
      continue;
    }
    if (first < 0) {
      first = i;
      isRule = t.kind === 'word' && t.value === 'create' && startsCreateRule(stream, i);
    }
    last = i;
    if (t.kind === 'punct') {
      if (t.value === '(') parenDepth++;
      else if (t.value === ')') parenDepth--;
    } else if (t.kind === 'word') {
      if (t.value === 'atomic' && previousWord(tokens, i) === 'begin') atomicDepth++;
      else if (atomicDepth > 0 && t.value === 'case') atomicDepth++;
      else if (atomicDepth > 0 && t.value === 'end') atomicDepth--;
    }
  }
  flush();
  return { text, statements, cuts };
}

/** When `cut` (new offset) was an old boundary, appends the old statements and boundaries after it, shifted. */
function takeOver(resync: Resync, cut: number, statements: SqlStatement[], cuts: number[]): boolean {
  const { old, delta } = resync;
  const oldCut = cut - delta;
  const at = binarySearch(old.cuts, oldCut);
  if (at < 0) return false;
  for (const s of old.statements) {
    if (s.start < oldCut) continue;
    const start = s.start + delta;
    statements.push({ text: s.text, start, end: s.end + delta });
  }
  for (let k = at + 1; k < old.cuts.length; k++) cuts.push(old.cuts[k] + delta);
  return true;
}

function binarySearch(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function previousWord(tokens: SqlToken[], i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) {
    if (tokens[j].kind === 'comment') continue;
    return tokens[j].kind === 'word' ? tokens[j].value : undefined;
  }
  return undefined;
}

function startsCreateRule(stream: TokenStream, i: number): boolean {
  const tokens = stream.tokens;
  const words: string[] = [];
  for (let j = i; stream.has(j) && words.length < 4; j++) {
    if (tokens[j].kind === 'comment') continue;
    if (tokens[j].kind !== 'word') break;
    words.push(tokens[j].value);
  }
  return words[1] === 'rule' || (words[1] === 'or' && words[2] === 'replace' && words[3] === 'rule');
}

/**
 * The statement under a cursor. A cursor inside a statement (or at its end) picks it; one after the `;`, on a
 * blank line or in a comment between statements picks the nearest previous one; before the first, the first.
 */
export function statementAt(text: string, offset: number): SqlStatement | undefined {
  const statements = splitRemembered(text).statements;
  let chosen: SqlStatement | undefined;
  for (const s of statements) {
    if (s.start <= offset) chosen = s;
    else break;
  }
  chosen ??= statements[0];
  return chosen && { text: chosen.text, start: chosen.start, end: chosen.end };
}

/** The first syntax error in `text` with its 0-based offset, or undefined when it parses. Needs loadParser(). */
export function checkSyntax(text: string): { message: string; offset: number } | undefined {
  try {
    parseSql(text);
    return undefined;
  } catch (err) {
    if (err instanceof TunerError && err.reason === 'syntax-error') {
      return { message: err.message, offset: err.detail.offset ?? 0 };
    }
    throw err;
  }
}
