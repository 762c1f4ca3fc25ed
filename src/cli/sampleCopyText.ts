/**
 * `--sample-copy[=share]` the same way in every command that builds indexes (`advise`, `rewrite --with-index`,
 * `report --advise`): the option handed to the index advisor with a note on stderr as each table's copy starts,
 * the note when nothing will be built, and the lines that say what the sample says.
 */
import type { AdviseIndexesOptions } from '../core/advice/index/adviseIndexes';
import type { SampleCopyStart } from '../core/advice/index/sampleCopy';
import type { IndexAdvice } from '../core/advice/indexSuggestion';
import { formatCount, formatPercent } from '../core/text/formatNumbers';
import type { CliRequest } from './args';
import type { CommandIo } from './io';

/** The advisor's sampleCopy option for the request, each table's copy said on stderr as it starts (minutes on millions of rows). */
export function sampleCopyOption(request: CliRequest, io: CommandIo): AdviseIndexesOptions['sampleCopy'] {
  if (!request.sampleCopy) return undefined;
  return {
    ...request.sampleCopy,
    onTable: (t: SampleCopyStart) =>
      io.note(
        t.method === 'children'
          ? `copying the rows of ${t.table} that reference the sampled ${t.parent ?? ''}…`
          : `copying ${t.method === 'whole' ? 'all' : `a ${formatPercent(t.fraction)} sample`} of ${t.table} (about ${formatCount(t.rowsFull)} rows)…`,
      ),
  };
}

/** On a server without --allow-what-if nothing is built, so nothing is copied: said rather than ignored. */
export function noteSampleCopyUnused(request: CliRequest, serverTarget: boolean, io: CommandIo): void {
  if (request.sampleCopy && serverTarget && !request.allowWhatIf)
    io.note('--sample-copy goes with --allow-what-if: nothing is built on this server, so nothing is copied.');
}

/** What was copied, the ratio there, and how it carries to the full tables (an estimate): one line each. */
export function sampleCopyLines(advice: IndexAdvice): string[] {
  if (!advice.sampleCopy) return [];
  return [advice.sampleCopy.summary, ...advice.sampleCopy.limitations].map((line) => `Sample copy: ${line}`);
}
