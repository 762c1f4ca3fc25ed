/**
 * Obfuscates SQL text and the SQL expressions EXPLAIN prints (Filter, Hash Cond, Output, Sort Key, …) with
 * the parser's own scanner, so keywords, operators, casts to built-in types, function names, `$n`
 * parameters and sub-plan references stay, and every identifier and literal is replaced through a NameMap.
 */
import type { ScanToken } from 'libpg-query';
import { scanSql } from '../sql/parser';
import { identifierValue, type NameMap } from './nameMap';

export interface SqlObfuscationOptions {
  /** Keep function names (count, lower, generate_series, your own): default true. */
  keepFunctionNames?: boolean;
}

const RESERVED = 4;
const LITERALS = new Set(['SCONST', 'USCONST', 'XCONST', 'BCONST', 'ICONST', 'FCONST']);
/** Schemas of the system, kept: they say nothing about the user's database. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_temp', 'pg_toast']);
/** Built-in type names as they appear after `::`; anything else after `::` is a user type and renamed. */
const BUILTIN_TYPES = new Set([
  'bigint',
  'int8',
  'integer',
  'int',
  'int4',
  'smallint',
  'int2',
  'numeric',
  'decimal',
  'real',
  'float4',
  'float8',
  'double',
  'precision',
  'boolean',
  'bool',
  'text',
  'varchar',
  'character',
  'varying',
  'char',
  'bpchar',
  'name',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timetz',
  'interval',
  'with',
  'without',
  'zone',
  'json',
  'jsonb',
  'uuid',
  'bytea',
  'oid',
  'regclass',
  'regtype',
  'regproc',
  'inet',
  'cidr',
  'macaddr',
  'money',
  'xml',
  'tsvector',
  'tsquery',
  'point',
  'box',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'anyarray',
  'anyelement',
  'record',
  'void',
  'bit',
  'varbit',
  'citext',
  'ltree',
  'hstore',
  'geometry',
  'geography',
  'vector',
]);
/** References EXPLAIN makes to its own parts ("SubPlan 1", "InitPlan 2", "(returns $0)"): not user names. */
const PLAN_WORDS = new Set(['SubPlan', 'InitPlan', 'returns', 'hashed', 'CTE', 'ROW']);

function isOperatorLike(tok: ScanToken | undefined, text: string): boolean {
  if (!tok) return true;
  const t = text.slice(tok.start, tok.end);
  return /^[(),=<>!~*+\-/%^|&#@?]+$/.test(t) || tok.tokenName === 'Op' || tok.keywordKind === RESERVED;
}

/** Obfuscates one piece of SQL (a statement or an expression); text it can't scan is obfuscated by pattern. */
export function obfuscateSql(sql: string, names: NameMap, options: SqlObfuscationOptions = {}): string {
  let tokens: ScanToken[];
  try {
    tokens = scanSql(sql).tokens;
  } catch {
    return obfuscateByPattern(sql, names);
  }
  const keepFunctions = options.keepFunctionNames !== false;
  const text = (t: ScanToken | undefined): string => (t ? sql.slice(t.start, t.end) : '');
  const out: string[] = [];
  let pos = 0;
  let inType = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const raw = text(tok);
    let replacement: string | undefined;

    if (prev && text(prev) === '::') inType = true;
    else if (inType && !(tok.tokenName === 'IDENT' || (tok.keywordKind !== 0 && tok.keywordKind !== RESERVED)))
      inType = false;

    if (LITERALS.has(tok.tokenName)) {
      const structural =
        tok.tokenName === 'ICONST' &&
        prev &&
        (PLAN_WORDS.has(text(prev)) || text(prev) === '[' || (text(prev) === '(' && inTypeModifier(tokens, i, sql)));
      if (!structural) {
        const value =
          tok.tokenName === 'SCONST' || tok.tokenName === 'USCONST'
            ? raw.replace(/^[eEuU&]*'/, '').replace(/'$/, '')
            : raw;
        replacement = `'${names.literal(value)}'`;
      }
    } else if (tok.tokenName === 'PARAM') {
      replacement = undefined;
    } else if (tok.tokenName === 'IDENT' || (tok.keywordKind !== 0 && tok.keywordKind !== RESERVED)) {
      const value = identifierValue(raw);
      const isKeyword = tok.tokenName !== 'IDENT';
      const qualified = text(next) === '.' || text(prev) === '.';
      if (inType) {
        if (!isKeyword && !BUILTIN_TYPES.has(value) && !(text(next) === '.' && SYSTEM_SCHEMAS.has(value)))
          replacement = names.name(value, 'type');
      } else if (PLAN_WORDS.has(raw) && !qualified) {
        replacement = undefined;
      } else if (text(next) === '(' && !isKeyword) {
        if (!keepFunctions) replacement = names.name(value, 'function');
      } else if (text(next) === '(' && isKeyword) {
        replacement = undefined; // count(, coalesce(, extract(: keywords used as functions
      } else if (prev && /^collate$/i.test(text(prev))) {
        replacement = undefined;
      } else if (SYSTEM_SCHEMAS.has(value) && text(next) === '.') {
        replacement = undefined;
      } else if (
        !isKeyword ||
        qualified ||
        names.known(value) !== undefined ||
        (isOperatorLike(prev, sql) && isOperatorLike(next, sql) && text(prev) !== '::')
      ) {
        replacement = names.known(value) ?? names.name(value, identifierKind(tokens, i, sql));
      }
    }
    if (replacement !== undefined) {
      out.push(sql.slice(pos, tok.start), replacement);
      pos = tok.end;
    }
  }
  out.push(sql.slice(pos));
  return out.join('');
}

/** `varchar(10)`, `numeric(12,2)`: numbers in a type's modifier are part of the type. */
function inTypeModifier(tokens: ScanToken[], i: number, sql: string): boolean {
  const before = tokens[i - 2];
  const beforeThat = tokens[i - 3];
  return !!before && !!beforeThat && sql.slice(beforeThat.start, beforeThat.end) === '::';
}

/** In `a.b.c` the last part is a column, the one before a table or alias, the first a schema. */
function identifierKind(tokens: ScanToken[], i: number, sql: string): 'schema' | 'alias' | 'column' {
  const t = (k: number): string => (tokens[k] ? sql.slice(tokens[k].start, tokens[k].end) : '');
  if (t(i + 1) !== '.') return 'column';
  return t(i + 3) === '.' ? 'schema' : 'alias';
}

/** For text the scanner rejects (an unterminated quote in a cut-off line): quoted strings and words go. */
function obfuscateByPattern(text: string, names: NameMap): string {
  return text
    .replace(/'(?:[^']|'')*'?/g, (m) => `'${names.literal(m.replace(/^'|'$/g, ''))}'`)
    .replace(/"(?:[^"]|"")+"|\b[A-Za-z_][A-Za-z0-9_$]*\b/g, (m) => {
      if (
        /^literal_\d+$/.test(m) ||
        PLAN_WORDS.has(m) ||
        /^(AND|OR|NOT|NULL|IS|IN|ANY|ALL|TRUE|FALSE|DESC|ASC|LIKE|CASE|WHEN|THEN|ELSE|END)$/i.test(m)
      )
        return m;
      const value = identifierValue(m);
      return names.known(value) ?? names.name(value, 'column');
    });
}
