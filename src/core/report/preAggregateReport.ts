/**
 * The report's "Pre-aggregate" section: each offer as `pg-tuner rewrite` prints it (preAggregateMarkdown: the
 * trade-off in one line, the proof, the refresh or write cost, the DDL not run for you, the query over it and
 * the rollback), then why any other form is not offered; or one paragraph saying why there is none — not tried
 * (outside the family, not allowed on this connection, the embedded database's generated data) or measured and
 * not offered (not equivalent, not faster). Whatever the kind of advice, its text is preAggregateText's.
 */
import { preAggregateMarkdown } from '../advice/preAggregate/preAggregateText';
import type { PreAggregateOutcome } from '../pipeline/preAggregateStep';
import { offeredPreAggregates } from '../pipeline/preAggregateStep';
import { markdownText } from '../text/markdownText';

const heading = '## Pre-aggregate';

const notApplied =
  '> Not applied: it was built, measured and rolled back in one transaction; the DDL is yours to review and run.';

const embeddedNote =
  '> Measured on the embedded database (PostgreSQL in WebAssembly, rows loaded from your files): the proof holds for those rows, the times are not production times.';

export function renderPreAggregateMarkdown(outcome: PreAggregateOutcome): string {
  const offers = offeredPreAggregates(outcome);
  const notes = outcome.notes.map((n) => `- ${markdownText(n)}`);
  if (offers.length > 0) {
    // One section; each offer's Markdown (which opens with a heading of its own) is a numbered subsection of it.
    const parts = [
      heading,
      ...offers.map((a, i) => {
        const md = preAggregateMarkdown(a).trimEnd();
        const kind = a.kind.replace(/-/g, ' ');
        return md.replace(/^#+ .*\n/, `### ${i + 1}. ${kind[0].toUpperCase()}${kind.slice(1)}\n`);
      }),
    ];
    parts.push(notApplied);
    if (outcome.embedded) parts.push(embeddedNote);
    if (notes.length > 0) parts.push(['Not offered:', '', ...notes].join('\n'));
    return `${parts.join('\n\n')}\n`;
  }
  const lines = [heading, ''];
  if (outcome.notTried) lines.push(`Not tried: ${markdownText(outcome.notTried)}.`);
  else lines.push('Nothing offered:');
  if (notes.length > 0) lines.push('', ...notes);
  return `${lines.join('\n')}\n`;
}
