/**
 * Where a top statement is issued in the workspace: the statements of `.sql` files and the string and
 * template literals of `.ts`/`.js` files that parse as SQL, matched by libpg-query fingerprint (constants,
 * `$n` parameters and IN-list lengths do not change it). Literals are found with the TypeScript compiler's
 * scanner-accurate AST, so quotes, escapes and comments are never mistaken for SQL boundaries.
 */
import ts from 'typescript';
import type { SourceRange } from '../positions';
import { lineColumnAt } from '../positions';
import { fingerprintSql } from '../sql/parser';
import { splitStatements } from '../sql/splitStatements';
import { lexSql } from '../sql/lexer';
import type { TopStatement } from './topQueries';

export interface WorkspaceFile {
  path: string;
  text: string;
}

export interface StatementSource {
  path: string;
  /** 0-based UTF-16 offsets of the SQL text in the file (inside the quotes for a literal). */
  range: SourceRange;
  /** 0-based line and column of range.start. */
  line: number;
  column: number;
  /** The SQL as found, `${…}` substitutions shown as `$n`. */
  sql: string;
}

/** Fingerprint → where it occurs; build once for a workspace and look up many statements. */
export type SourceIndex = Map<string, StatementSource[]>;

const scriptKinds: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};

function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot).toLowerCase();
}

// Cheap gate before the parser: only literals that start like a statement are worth parsing.
const statementStart = /^\s*(?:\(\s*)*(select|insert|update|delete|with|values|table|merge|call)\b/i;

function fingerprintOrUndefined(sql: string): string | undefined {
  try {
    return fingerprintSql(sql);
  } catch {
    return undefined;
  }
}

interface Candidate {
  sql: string;
  start: number;
  end: number;
}

/** String and template literals of a script; a template's `${…}` parts become `$1`, `$2` … */
export function sqlLiteralCandidates(path: string, text: string): Candidate[] {
  const kind = scriptKinds[extensionOf(path)] ?? ts.ScriptKind.TS;
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  const found: Candidate[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const start = node.getStart(file) + 1;
      found.push({ sql: node.text, start, end: node.end - 1 });
    } else if (ts.isTemplateExpression(node)) {
      let sql = node.head.text;
      node.templateSpans.forEach((span, i) => {
        sql += `$${i + 1}${span.literal.text}`;
      });
      found.push({ sql, start: node.getStart(file) + 1, end: node.end - 1 });
      return; // substitutions may hold nested literals, but not the statement we are after
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.filter((c) => statementStart.test(c.sql));
}

function addSource(index: SourceIndex, fingerprint: string, source: StatementSource): void {
  const list = index.get(fingerprint);
  if (list) list.push(source);
  else index.set(fingerprint, [source]);
}

function sourceAt(file: WorkspaceFile, start: number, end: number, sql: string): StatementSource {
  const { line, column } = lineColumnAt(file.text, start);
  return { path: file.path, range: { start, end }, line, column, sql };
}

/** Indexes the SQL in `.sql`, `.ts` and `.js` files by fingerprint. Needs loadParser() done. */
export function indexStatementSources(files: readonly WorkspaceFile[]): SourceIndex {
  const index: SourceIndex = new Map();
  for (const file of files) {
    const ext = extensionOf(file.path);
    if (ext === '.sql') {
      for (const statement of splitStatements(file.text)) {
        const fingerprint = fingerprintOrUndefined(statement.text);
        if (fingerprint) addSource(index, fingerprint, sourceAt(file, statement.start, statement.end, statement.text));
      }
    } else if (ext in scriptKinds) {
      for (const candidate of sqlLiteralCandidates(file.path, file.text)) {
        // A literal may hold several statements; each is matched on its own. Offsets inside a literal are
        // exact only without escapes, so a statement's range is the literal's when they differ.
        const statements = splitStatements(candidate.sql);
        for (const statement of statements) {
          const fingerprint = fingerprintOrUndefined(statement.text);
          if (!fingerprint) continue;
          const raw = file.text.slice(candidate.start, candidate.end);
          const exact = raw === candidate.sql;
          const start = exact ? candidate.start + statement.start : candidate.start;
          const end = exact ? candidate.start + statement.end : candidate.end;
          addSource(index, fingerprint, sourceAt(file, start, end, statement.text));
        }
      }
    }
  }
  return index;
}

/**
 * The places in `files` that issue `statement`, by fingerprint of the parse tree. Empty when its text is
 * hidden from this role or does not parse. Needs loadParser() done.
 */
export function findStatementSources(
  statement: Pick<TopStatement, 'query' | 'textVisible'>,
  files: readonly WorkspaceFile[] | SourceIndex,
): StatementSource[] {
  if (!statement.textVisible) return [];
  const fingerprint = fingerprintOrUndefined(statement.query);
  if (!fingerprint) return [];
  const index = files instanceof Map ? files : indexStatementSources(files);
  return [...(index.get(fingerprint) ?? [])];
}

/**
 * Of the workspace's copies of a statement, one that carries values where pg_stat_statements shows `$n`
 * (a .sql file's statement, a literal without substitutions): opening that instead asks for no parameter
 * value the workspace already gives (issue 13). Undefined when every copy has parameters of its own.
 */
export function sourceWithValues(sources: readonly StatementSource[]): StatementSource | undefined {
  return sources.find((source) => !lexSql(source.sql).some((token) => token.kind === 'param'));
}
