import { adviseRewrites } from '../../core/advice/rewrite/adviseRewrites';
import { adviseRewriteWithIndex } from '../../core/advice/rewrite/rewriteWithIndex';
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import type { DatabaseSession } from '../../core/db/session';
import { dashboardDemoFiles, dashboardQuery, defaultDashboardScale } from '../../core/demo/dashboardDemo';
import { explainAndOptimize } from '../../core/pipeline/explainAndOptimize';
import { formatCount, formatMs, formatRatio } from '../../core/text/formatNumbers';
import type { CliRequest } from '../args';
import type { Colours } from '../colours';
import { failOnExitCode } from '../exitCodes';
import { formatResult } from '../formatResult';
import { indent } from '../indent';
import type { CommandIo } from '../io';
import { withSession } from '../runStatement';
import { combinationText, proofLines } from './rewrite';

/**
 * `pg-tuner demo`: the slow-dashboard case (docs/cases.md, case 1) end to end on the embedded database: load the
 * schema and generated data, Explain and Optimize the dashboard query, print the result; then (text output)
 * the fix the advisors find by themselves, proven and measured: the rewrite, the index, and both together.
 */
export async function demoCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const { users, orders } = defaultDashboardScale;
  io.note(`Loading the demo into embedded PostgreSQL: ${formatCount(users)} users, ${formatCount(orders)} orders…`);
  const started = performance.now();
  const [schema, ...data] = dashboardDemoFiles();
  return withSession({ kind: 'embedded', files: [schema], seedFiles: data }, async (session) => {
    const loadedMs = performance.now() - started;
    const result = await explainAndOptimize(session, dashboardQuery, { analyze: true, signal: io.signal });
    if (request.json) {
      io.out(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const { colours } = io;
      io.out(`${colours.bold('Query')} (the slow dashboard, docs/cases.md case 1)\n${dashboardQuery}\n\n`);
      io.out(formatResult(result, colours));
      io.out(
        colours.dim(
          `Embedded start and load ${formatMs(loadedMs)}; explain ${formatMs(performance.now() - started - loadedMs)}.\n`,
        ),
      );
      io.note(
        'Looking for the fix: rewrites proven to return the same rows, indexes built in rolled-back transactions…',
      );
      const adviceStarted = performance.now();
      const fix = await findFix(session, io.signal);
      io.out(`\n${formatFix(fix, colours)}`);
      io.out(
        colours.dim(
          `Advice ${formatMs(performance.now() - adviceStarted)}. The full evidence: pg-tuner rewrite --with-index --file q.sql, or pg-tuner report --advise.\n`,
        ),
      );
    }
    return failOnExitCode(result.insights, request.failOn);
  });
}

/** The rewrites proven to return the same rows, measured; the index advisor's pick measured with them. */
async function findFix(session: DatabaseSession, signal: AbortSignal | undefined): Promise<Rewrite[]> {
  const rewrites = (await adviseRewrites(session, dashboardQuery, { signal })).filter(
    (r) => r.verification === 'equivalent',
  );
  if (rewrites.length > 0) await adviseRewriteWithIndex(session, dashboardQuery, rewrites, { signal });
  return rewrites;
}

function formatFix(rewrites: Rewrite[], c: Colours): string {
  const out = [c.bold('The fix (found by the advisors, proven on the data, measured on the embedded database)')];
  if (rewrites.length === 0) return `${out[0]}\nNo rewrite was proven to return the same rows on this data.\n`;
  for (const r of rewrites) {
    const m = r.measurement;
    const timing = m
      ? ` — alone ${formatMs(m.before.timeMs)} → ${formatMs(m.after.timeMs)} (${formatRatio(m.before.timeMs, m.after.timeMs)}), faster beyond noise: ${m.faster ? 'yes' : 'no'}`
      : '';
    out.push(`${c.green('Rewrite:')} ${r.title}${timing}`);
    out.push(...proofLines(r, c).map((line) => indent(line)));
    out.push(
      indent(
        r.combination
          ? combinationText(r.combination).join('\n')
          : 'Index: the index advisor found none that makes this form faster on this data.',
      ),
    );
    out.push(indent(`SQL:\n${indent(c.cyan(r.rewrittenSql))}`));
  }
  return `${out.join('\n')}\n`;
}
