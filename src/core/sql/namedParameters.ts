import { lexSql } from './lexer';

/** One rewritten placeholder: `:name` at [originalStart, originalEnd) became `$number` at [start, end). */
export interface ParameterReplacement {
  name: string;
  number: number;
  originalStart: number;
  originalEnd: number;
  start: number;
  end: number;
}

export interface NamedParameterRewrite {
  /** The SQL with every `:name` replaced by `$n`. */
  text: string;
  /** Distinct names in order of first use; names[i] became `$(firstNumber + i)`. */
  names: string[];
  /** Number given to names[0]: one above the highest `$n` already in the text. */
  firstNumber: number;
  replacements: ParameterReplacement[];
  /** Maps an offset in the new text back to the original text. */
  toOriginal(offset: number): number;
}

/**
 * Rewrites `:name` placeholders (as used by many drivers and ORMs, and psql's `:'name'`) to `$1…` so PostgreSQL can parse the
 * statement. Strings, comments, dollar quotes, quoted identifiers, `::type` casts, `:=` and array slices
 * `a[1:n]` are left alone; `$n` already present keep their numbers and named ones are numbered after them.
 */
export function rewriteNamedParameters(sql: string): NamedParameterRewrite {
  const tokens = lexSql(sql);
  let maxExisting = 0;
  for (const t of tokens) {
    if (t.kind === 'param') maxExisting = Math.max(maxExisting, Number.parseInt(t.value.slice(1), 10));
  }
  const firstNumber = maxExisting + 1;
  const names: string[] = [];
  const numbers = new Map<string, number>();
  const replacements: ParameterReplacement[] = [];
  let bracketDepth = 0;
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'punct' && t.value === '[') bracketDepth++;
    else if (t.kind === 'punct' && t.value === ']') bracketDepth = Math.max(0, bracketDepth - 1);
    if (!(t.kind === 'punct' && t.value === ':') || bracketDepth > 0) continue;
    const next = tokens[i + 1];
    if (!next || next.start !== t.end) continue;
    // :name, and psql's :'name' / :"name" interpolations.
    const quoted =
      (next.kind === 'string' || next.kind === 'quoted-ident') && !next.unterminated && /^['"]/.test(next.value);
    if (next.kind !== 'word' && !quoted) continue;
    const name = quoted ? sql.slice(next.start + 1, next.end - 1) : sql.slice(next.start, next.end);
    let number = numbers.get(name);
    if (number === undefined) {
      number = firstNumber + names.length;
      numbers.set(name, number);
      names.push(name);
    }
    out += sql.slice(copiedUpTo, t.start);
    const replacement = `$${number}`;
    replacements.push({
      name,
      number,
      originalStart: t.start,
      originalEnd: next.end,
      start: out.length,
      end: out.length + replacement.length,
    });
    out += replacement;
    copiedUpTo = next.end;
    i++;
  }
  out += sql.slice(copiedUpTo);
  const toOriginal = (offset: number): number => {
    let delta = 0;
    for (const r of replacements) {
      if (offset < r.start) break;
      // Inside a placeholder: map proportionally but never past its end in the original.
      if (offset < r.end) return Math.min(r.originalStart + (offset - r.start), r.originalEnd);
      delta = r.originalEnd - r.end;
    }
    return offset + delta;
  };
  return { text: out, names, firstNumber, replacements, toOriginal };
}
