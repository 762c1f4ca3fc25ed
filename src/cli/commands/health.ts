import { writeFileSync } from 'node:fs';
import { TunerError } from '../../core/errors';
import { renderHealthReport } from '../../core/health/healthReport';
import type { HealthResult } from '../../core/health/healthFinding';
import { runHealthChecks } from '../../core/health/runHealthChecks';
import { defaultLedgerPath, OwnScanLedger } from '../../core/db/ownScans';
import type { Severity } from '../../core/insights/insight';
import { formatMs } from '../../core/text/formatNumbers';
import { formatEvidence } from '../../core/insights/formatEvidence';
import type { CliRequest } from '../args';
import type { Colours } from '../colours';
import { exitCodes } from '../exitCodes';
import type { CommandIo } from '../io';
import { withSession } from '../runStatement';
import { workloadTarget } from './top';

const marks: Record<Severity, string> = { critical: '✖', warning: '▲', info: '●' };

/** Score, one line per check, then each finding with its fix; the full text is in the Markdown report. */
export function formatHealth(result: HealthResult, colours: Colours): string {
  const paint = (severity: Severity, text: string): string =>
    severity === 'critical' ? colours.red(text) : severity === 'warning' ? colours.yellow(text) : colours.cyan(text);
  const scoreText = `${result.score} / 100`;
  const scoreColour = result.score >= 90 ? colours.green : result.score >= 70 ? colours.yellow : colours.red;
  const lines = [
    `${colours.bold(`Health of ${result.database}:`)} ${colours.bold(scoreColour(scoreText))} ${colours.dim(`(${result.serverVersion}, ${result.findings.length} findings, ${formatMs(result.ms)})`)}`,
    '',
  ];
  const titleWidth = Math.max(...result.checks.map((c) => c.title.length));
  for (const c of result.checks) {
    const state =
      c.status === 'ok'
        ? colours.green('ok')
        : c.status === 'skipped'
          ? colours.dim('skipped')
          : `${c.findings.length} finding${c.findings.length === 1 ? '' : 's'}`;
    const lost = c.status === 'findings' ? colours.dim(`  −${(c.weight * c.penalty).toFixed(1)}`) : '';
    lines.push(`  ${c.title.padEnd(titleWidth)}  ${colours.dim(`w${String(c.weight).padStart(2)}`)}  ${state}${lost}`);
  }
  lines.push('', colours.dim(result.scoreRule));
  for (const f of result.findings) {
    lines.push('', paint(f.severity, `${marks[f.severity]} ${f.title}`));
    lines.push(`  ${colours.dim(f.evidence.map(formatEvidence).join(' · '))}`);
    lines.push(`  ${f.suggestion}`);
    if (f.fix) {
      lines.push(`  ${colours.bold('Fix:')}      ${f.fix.ddl.split('\n').join('\n            ')}`);
      lines.push(`  ${colours.bold('Rollback:')} ${f.fix.rollback.split('\n').join('\n            ')}`);
    }
    lines.push(`  ${colours.dim(`Risk: ${f.risk}`)}`);
  }
  const notes = result.checks.flatMap((c) => c.notes.map((n) => `${c.title}: ${n}`));
  if (notes.length > 0) lines.push('', colours.bold('Notes'), ...notes.map((n) => `  ${n}`));
  return `${lines.join('\n')}\n`;
}

/** `pg-tuner health`: read-only checks with a score; --out writes the Markdown report. */
export async function healthCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const result = await withSession(workloadTarget(request, io), (session) =>
    runHealthChecks(session, { signal: io.signal, ownScans: new OwnScanLedger(defaultLedgerPath(io.env)) }),
  );
  if (request.out !== undefined) {
    try {
      writeFileSync(request.out, renderHealthReport(result, { title: request.title }));
    } catch (err) {
      throw new TunerError('bad-input', `Cannot write the report to ${request.out}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    io.note(`Health report written to ${request.out}.`);
  }
  // With --out the terminal still gets the summary (or the JSON); the report file holds the full text.
  io.out(request.json ? `${JSON.stringify(result, null, 2)}\n` : formatHealth(result, io.colours));
  return exitCodes.ok;
}
