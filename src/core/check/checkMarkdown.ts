/** `pg-tuner check` as Markdown for a pull-request comment: a summary line, then the findings, worst first. */
import { severityOrder } from '../insights/insight';
import type { Severity } from '../insights/insight';
import { markdownCode, markdownInline } from '../text/markdownText';
import type { CheckResult } from './checkResult';
import { checkRules } from './checkRules';

const marks: Record<Severity, string> = { critical: '🔴 error', warning: '🟠 warning', info: '🔵 note' };

export function checkMarkdown(result: CheckResult, title = 'PostgreSQL query check'): string {
  const explained = result.statements.filter((s) => s.explained).length;
  const compared = result.statements.filter((s) => s.baseline === 'compared').length;
  const where = result.database
    ? ` on ${result.database.kind === 'embedded' ? 'the embedded database (migrations)' : markdownInline(result.database.label)}`
    : '';
  const lines = [
    `## ${markdownInline(title)}`,
    '',
    `${result.statements.length} statement(s) in ${result.files.length} file(s); ${explained} explained (estimate only)${where}` +
      `${compared > 0 ? `; ${compared} compared with their baseline plan` : ''}.`,
    '',
  ];
  if (result.findings.length === 0) {
    lines.push('No findings.', '');
    return lines.join('\n');
  }
  const counts = (['critical', 'warning', 'info'] as const)
    .map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${marks[s].split(' ')[1]}${n === 1 ? '' : 's'}`);
  lines.push(`**${counts.join(', ')}**`, '', '| | Rule | Where | Finding |', '| --- | --- | --- | --- |');
  const sorted = [...result.findings].sort(
    (a, b) =>
      severityOrder[b.severity] - severityOrder[a.severity] ||
      a.location.path.localeCompare(b.location.path) ||
      a.location.start - b.location.start,
  );
  for (const f of sorted) {
    const rule = checkRules[f.ruleId];
    const where = markdownCode(`${f.location.path}:${f.location.startLine}:${f.location.startColumn}`);
    const text = f.suggestion ? `${f.message} ${f.suggestion}` : f.message;
    lines.push(
      `| ${marks[f.severity]} | ${markdownCode(f.ruleId)} ${markdownInline(rule.summary)} | ${where} | ${markdownInline(text)} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
