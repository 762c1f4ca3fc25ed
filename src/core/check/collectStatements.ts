/**
 * Every SQL statement of the checked files with where it sits: the statements of `.sql` files, and in
 * `.ts`/`.js` files the string and template literals that start like a statement (`sqlLiteralCandidates`,
 * the top-queries source finder's reader). A literal that does not parse is kept only when it is the SQL of a
 * query call the N+1 finder recognises (`pool.query(…)`, `sql\`…\``): there it is a broken statement worth
 * reporting; elsewhere it is more likely prose ("Select a user").
 */
import ts from 'typescript';
import { queryCallOf } from '../advice/nPlusOne/findNPlusOne';
import { lineColumnAt } from '../positions';
import { checkSyntax, splitStatements } from '../sql/splitStatements';
import { sqlLiteralCandidates } from '../workload/statementSources';
import type { SourceLocation } from './checkResult';

export interface SourceFile {
  /** Relative, `/`-separated. */
  path: string;
  text: string;
}

export interface FoundStatement {
  sql: string;
  location: SourceLocation;
  /** True when offsets in `sql` are offsets in the file from `location.start` (no escapes or substitutions). */
  exact: boolean;
  file: SourceFile;
}

const scriptExtension = /\.(?:[cm]?[jt]s|[jt]sx)$/i;

/** Offsets → a location with 1-based lines and columns. */
export function locationIn(file: SourceFile, start: number, end: number): SourceLocation {
  const s = lineColumnAt(file.text, start);
  const e = lineColumnAt(file.text, Math.max(start, end));
  return {
    path: file.path,
    start,
    end,
    startLine: s.line + 1,
    startColumn: s.column + 1,
    endLine: e.line + 1,
    endColumn: e.column + 1,
  };
}

/** Start offsets (inside the quote) of the SQL arguments of query calls. Needs no parser. */
function queryCallSqlStarts(file: SourceFile): Set<number> {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
  const starts = new Set<number>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node)) {
      const call = queryCallOf(node, source);
      if (call) starts.add(call.site.sqlRange.start + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return starts;
}

function fromSqlFile(file: SourceFile): FoundStatement[] {
  return splitStatements(file.text).map((s) => ({
    sql: s.text,
    location: locationIn(file, s.start, s.end),
    exact: true,
    file,
  }));
}

function fromScript(file: SourceFile): FoundStatement[] {
  const candidates = sqlLiteralCandidates(file.path, file.text);
  if (candidates.length === 0) return [];
  const queryStarts = queryCallSqlStarts(file);
  const out: FoundStatement[] = [];
  for (const candidate of candidates) {
    const inQueryCall = queryStarts.has(candidate.start);
    const exact = file.text.slice(candidate.start, candidate.end) === candidate.sql;
    for (const statement of splitStatements(candidate.sql)) {
      if (!inQueryCall && checkSyntax(statement.text)) continue;
      const start = exact ? candidate.start + statement.start : candidate.start;
      const end = exact ? candidate.start + statement.end : candidate.end;
      out.push({ sql: statement.text, location: locationIn(file, start, end), exact, file });
    }
  }
  return out;
}

/** The statements of the files, in file order. Needs loadParser() done. */
export function collectStatements(files: readonly SourceFile[]): FoundStatement[] {
  return files.flatMap((file) =>
    file.path.toLowerCase().endsWith('.sql')
      ? fromSqlFile(file)
      : scriptExtension.test(file.path)
        ? fromScript(file)
        : [],
  );
}
