import type { SessionTarget } from '../../core/db/openSession';
import { formatCount, formatMs, formatShare } from '../../core/text/formatNumbers';
import { loadTopQueries, topQueryOrderLabels } from '../../core/workload/topQueries';
import type { TopQueriesResult, TopQueryOrder, WorkloadNote } from '../../core/workload/topQueries';
import { UsageError, type CliRequest } from '../args';
import type { Colours } from '../colours';
import { exitCodes } from '../exitCodes';
import type { CommandIo } from '../io';
import { sessionTarget, withSession } from '../runStatement';

/** top and health read a server's statistics; the embedded database has none worth reading. */
export function workloadTarget(request: CliRequest, io: CommandIo): SessionTarget {
  const { target } = sessionTarget({ ...request.database, embedded: false, schema: [] }, io.env);
  if (target.kind !== 'server') {
    throw new UsageError(
      `${request.command} reads a server's statistics: pass --url postgres://… (or set PGHOST/PGDATABASE).`,
    );
  }
  return target;
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function formatNotes(notes: readonly WorkloadNote[], colours: Colours): string {
  return notes
    .map((n) => [colours.yellow(n.message), ...n.steps.map((step, i) => `  ${i + 1}. ${step}`)].join('\n'))
    .join('\n\n');
}

/** The statements as an aligned table; the column the list is ordered by is in bold. */
export function formatTopQueries(result: TopQueriesResult, colours: Colours, width = 120): string {
  if (result.status === 'unavailable') return `${formatNotes(result.notes, colours)}\n`;
  const order: TopQueryOrder = result.orderBy;
  const since = result.statsSince ? `, since ${result.statsSince}` : '';
  const heading = colours.bold(
    `Top ${result.statements.length} of ${formatCount(result.statementCount)} statements in ${result.database} by ${topQueryOrderLabels[order]}`,
  );
  const lines = [`${heading} ${colours.dim(`(pg_stat_statements ${result.extensionVersion ?? ''}${since})`)}`];
  if (result.statements.length === 0) {
    lines.push('No statements recorded for this database yet.');
  } else {
    const columns: Array<{
      title: string;
      key?: TopQueryOrder;
      value: (s: TopQueriesResult['statements'][number]) => string;
    }> = [
      { title: '#', value: (s) => String(s.rank) },
      { title: 'Total', key: 'total', value: (s) => formatMs(s.totalTimeMs) },
      { title: 'Share', value: (s) => formatShare(s.share) },
      { title: 'Calls', key: 'calls', value: (s) => formatCount(s.calls) },
      { title: 'Mean', key: 'mean', value: (s) => formatMs(s.meanTimeMs) },
      { title: 'Rows', key: 'rows', value: (s) => formatCount(s.rows) },
      { title: 'Reads', key: 'reads', value: (s) => formatCount(s.sharedBlocksRead) },
      { title: 'Temp', key: 'temp', value: (s) => formatCount(s.tempBlocksWritten) },
    ];
    const cells = result.statements.map((s) => columns.map((c) => c.value(s)));
    const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
    const pad = (text: string, i: number): string => text.padStart(widths[i]);
    const used = widths.reduce((sum, w) => sum + w + 2, 0);
    const statementWidth = Math.max(30, width - used);
    lines.push(colours.dim([...columns.map((c, i) => pad(c.title, i)), 'Statement'].join('  ')));
    result.statements.forEach((s, r) => {
      const figures = columns.map((c, i) =>
        c.key === order ? colours.bold(pad(cells[r][i], i)) : pad(cells[r][i], i),
      );
      const text = s.textVisible ? cut(oneLine(s.query), statementWidth) : colours.dim('<insufficient privilege>');
      lines.push([...figures, text].join('  '));
    });
    lines.push(
      colours.dim(
        `Share: of the database's ${order === 'mean' ? 'total time' : topQueryOrderLabels[order]} across all ${formatCount(result.statementCount)} statements of the application (pg-tuner's own not counted).`,
      ),
    );
  }
  const own = result.notes.find((n) => n.kind === 'own-statements');
  const others = result.notes.filter((n) => n !== own);
  if (own) lines.push('', ...formatOwn(result, own, colours, width));
  if (others.length > 0) lines.push('', formatNotes(others, colours));
  return `${lines.join('\n')}\n`;
}

/** pg-tuner's own entries: the note, then the largest of them, so none is hidden, only kept out of the ranking. */
function formatOwn(result: TopQueriesResult, note: WorkloadNote, colours: Colours, width: number): string[] {
  const lines = [colours.dim(note.message)];
  for (const s of result.own.largest) {
    const figures = `${formatMs(s.totalTimeMs).padStart(9)}  ${formatCount(s.calls).padStart(7)} calls  ${formatShare(s.shares.totalTime).padStart(6)}`;
    lines.push(colours.dim(`  ${figures}  ${cut(oneLine(s.query), Math.max(30, width - figures.length - 4))}`));
  }
  return lines;
}

/** `pg-tuner top`: the top statements of pg_stat_statements; exit 1 when the extension cannot be read. */
export async function topCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const result = await withSession(workloadTarget(request, io), (session) =>
    loadTopQueries(session, { orderBy: request.topOrder ?? 'total', limit: request.limit ?? 20 }),
  );
  const width = process.stdout.columns && process.stdout.columns > 60 ? process.stdout.columns : 120;
  io.out(request.json ? `${JSON.stringify(result, null, 2)}\n` : formatTopQueries(result, io.colours, width));
  return result.status === 'ok' ? exitCodes.ok : exitCodes.error;
}
