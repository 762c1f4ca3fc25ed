/**
 * Any insight whose suggestion carries DDL (`CREATE INDEX …`) offers to open it in a new SQL document with
 * its rollback, for the user to review and run. The extension never executes DDL.
 */
import type { CodeFix, CodeFixProvider, FixInput } from './codeFix';

export const indexDdlToDocumentFix: CodeFixProvider = {
  ruleIds: ['*'],
  provideFixes(input: FixInput): CodeFix[] {
    const ddl = extractIndexDdl(input.insight.suggestion ?? '');
    if (ddl.length === 0) return [];
    return [
      {
        title: 'Open the suggested index DDL in a new editor (not run)',
        newDocument: { language: 'sql', content: ddlDocument(ddl) },
      },
    ];
  },
};

/** `CREATE [UNIQUE] INDEX …;` statements found in a suggestion text, each ending at its semicolon. */
export function extractIndexDdl(text: string): string[] {
  return [...text.matchAll(/CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*;?/gi)].map((m) => m[0].trim().replace(/;?$/, ';'));
}

/** The document shown to the user: the DDL, how to undo it, and a reminder that nothing was run. */
export function ddlDocument(statements: string[]): string {
  const lines = [
    '-- Suggested by PostgreSQL Query Tuner. Review, then run it yourself; nothing has been executed.',
    '',
  ];
  for (const ddl of statements) {
    lines.push(ddl, '');
    const name = /INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?("?[\w$.]+"?)\s+ON\b/i.exec(ddl)?.[1];
    if (name) lines.push(`-- To undo: DROP INDEX CONCURRENTLY IF EXISTS ${name};`, '');
  }
  return lines.join('\n');
}
