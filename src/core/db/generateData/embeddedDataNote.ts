/**
 * What the embedded database holds, said wherever its plans are shown: generated rows (scale, and what shaped
 * them: defaults, a stats file or a server's statistics), or empty tables (a plan of empty tables says little).
 */
import { formatCount, formatMs } from '../../text/formatNumbers';
import type { DatabaseSession } from '../session';
import type { EmbeddedDataSummary } from './generateData';

const summaries = new WeakMap<DatabaseSession, EmbeddedDataSummary>();

export function recordEmbeddedData(session: DatabaseSession, summary: EmbeddedDataSummary): void {
  summaries.set(session, summary);
}

export function embeddedDataOf(session: DatabaseSession): EmbeddedDataSummary | undefined {
  return summaries.get(session);
}

function shapeText(summary: EmbeddedDataSummary): string {
  const shape = summary.shape;
  if (!shape || shape.kind === 'defaults') return 'shaped by defaults per type, no statistics';
  return shape.kind === 'server' ? `shaped by statistics from ${shape.name}` : `shaped by the stats file ${shape.name}`;
}

/** One line on the database as a whole (after it loaded), or undefined when the files' own rows fill it. */
export function describeEmbeddedData(summary: EmbeddedDataSummary): string | undefined {
  if (summary.kind === 'generated') {
    const rows = summary.tables.reduce((n, t) => n + t.rows, 0);
    const filled = summary.tables.filter((t) => t.rows > 0);
    const largest = Math.max(0, ...filled.map((t) => t.rows));
    const restored =
      summary.restoredTables && summary.restoredTables.length > 0
        ? ` The planner's statistics of ${summary.restoredTables.length} table(s) are the server's (row counts and columns), so estimates are at its scale.`
        : '';
    return `The embedded database holds generated data, not yours: ${formatCount(rows)} rows in ${filled.length} table(s) (largest ${formatCount(largest)}, scale ${formatCount(summary.scale ?? largest)}), ${shapeText(summary)}; generated in ${formatMs(summary.ms)}.${restored}`;
  }
  if (summary.kind === 'empty')
    return 'The embedded database holds the schema only: every table is empty, so its plans are those of empty tables.';
  return undefined;
}

/**
 * The note for one plan: the database's data line, and which of the plan's tables are empty there.
 * `relations` are the plan's relation names (bare or schema-qualified).
 */
export function embeddedDataNote(session: DatabaseSession, relations: string[]): string | undefined {
  const summary = summaries.get(session);
  if (!summary) return undefined;
  const empty = new Set(summary.emptyTables);
  const bare = new Set(summary.emptyTables.map((t) => t.slice(t.indexOf('.') + 1)));
  const emptyHere = [...new Set(relations)].filter((r) => empty.has(r) || bare.has(r));
  const parts: string[] = [];
  const overall = describeEmbeddedData(summary);
  if (overall) parts.push(overall);
  if (emptyHere.length > 0 && summary.kind !== 'empty')
    parts.push(
      `Empty on the embedded database: ${emptyHere.join(', ')} — this plan is that of empty table(s), not of real data.`,
    );
  return parts.length > 0 ? parts.join(' ') : undefined;
}
