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
  return splitTokens(text, lexSql(text));
}

export function splitTokens(text: string, tokens: SqlToken[]): SqlStatement[] {
  const statements: SqlStatement[] = [];
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
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'comment') continue;
    if (t.kind === 'punct' && t.value === ';' && atomicDepth === 0 && (!isRule || parenDepth <= 0)) {
      flush();
      continue;
    }
    if (first < 0) {
      first = i;
      isRule = t.kind === 'word' && t.value === 'create' && startsCreateRule(tokens, i);
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
  return statements;
}

function previousWord(tokens: SqlToken[], i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) {
    if (tokens[j].kind === 'comment') continue;
    return tokens[j].kind === 'word' ? tokens[j].value : undefined;
  }
  return undefined;
}

function startsCreateRule(tokens: SqlToken[], i: number): boolean {
  const words: string[] = [];
  for (let j = i; j < tokens.length && words.length < 4; j++) {
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
  const statements = splitStatements(text);
  let chosen: SqlStatement | undefined;
  for (const s of statements) {
    if (s.start <= offset) chosen = s;
    else break;
  }
  return chosen ?? statements[0];
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
