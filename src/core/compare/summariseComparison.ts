import { formatCost, formatCount, formatMs } from '../text/formatNumbers';
import { displayName } from '../text/displayName';
import type { Delta, PlanComparison } from './planComparison';

/** Characters of each join order the summary line shows. */
const JOIN_ORDER_SHOWN = 1000;

/** "12.0× faster", "2.5× slower", "same"; for a figure where lower is better. */
export function changeWord(d: Delta, better = 'lower', worse = 'higher'): string {
  if (d.before === d.after) return 'same';
  if (d.after <= 0) return d.before > 0 ? `all gone` : 'same';
  if (d.before <= 0) return 'new';
  const r = d.before / d.after;
  return r >= 1 ? `${r.toFixed(r >= 10 ? 0 : 1)}× ${better}` : `${(1 / r).toFixed(1 / r >= 10 ? 0 : 1)}× ${worse}`;
}

/** Changes under this share of the total are noise in the summary (the node table still lists them). */
const NOTABLE_SHARE = 0.05;
const MAX_NODE_LINES = 3;
/** More changes of one kind than this are summed up in one line. */
const MAX_ALIKE_LINES = 3;

/**
 * A few lines that say what changed, most important first: total time, buffers, operator and join-order
 * changes, spills, the nodes whose time moved most, and how sure the matching is. Heads the compare view
 * and the report's plan-diff section.
 */
export function summariseComparison(c: PlanComparison): string[] {
  const lines: string[] = [];
  const t = c.totals;
  if (t.timeMs)
    lines.push(
      `Execution time ${formatMs(t.timeMs.before)} → ${formatMs(t.timeMs.after)} (${changeWord(t.timeMs, 'faster', 'slower')}).`,
    );
  else
    lines.push(
      `Total cost ${formatCost(t.cost.before)} → ${formatCost(t.cost.after)} (${changeWord(t.cost)}); estimates only, no actual times.`,
    );
  if (t.buffers && t.buffers.before !== t.buffers.after) {
    lines.push(
      `Buffers (hit + read) ${formatCount(t.buffers.before)} → ${formatCount(t.buffers.after)} (${changeWord(t.buffers, 'fewer', 'more')}).`,
    );
  }
  if (t.rowsScanned && t.rowsScanned.before !== t.rowsScanned.after) {
    lines.push(
      `Rows scanned ${formatCount(t.rowsScanned.before)} → ${formatCount(t.rowsScanned.after)} (${changeWord(t.rowsScanned, 'fewer', 'more')}).`,
    );
  }
  // One line per kind of change: a new index on a partitioned table turns hundreds of scans alike.
  const byBefore = new Map(c.matches.map((m) => [m.beforeId, m]));
  const kinds = new Map<string, PlanComparison['typeChanges']>();
  for (const ch of c.typeChanges) {
    const key = `${ch.before} → ${ch.after}`;
    const list = kinds.get(key);
    if (list) list.push(ch);
    else kinds.set(key, [ch]);
  }
  for (const [kind, changes] of kinds) {
    const where = (ch: PlanComparison['typeChanges'][number]): string => {
      const m = byBefore.get(ch.beforeId);
      return m && m.beforeLabel !== ch.before ? `${m.beforeLabel} → ${m.afterLabel}` : '';
    };
    if (changes.length <= MAX_ALIKE_LINES) {
      for (const ch of changes) lines.push(where(ch) ? `${kind} (${where(ch)}).` : `${kind}.`);
    } else {
      const first = where(changes[0]);
      lines.push(
        `${kind} in ${formatCount(changes.length)} nodes${first ? ` (${first}, and ${formatCount(changes.length - 1)} more alike)` : ''}.`,
      );
    }
  }
  if (c.joinOrder.changed && c.joinOrder.before && c.joinOrder.after) {
    // A plan of thousands of joins has a join order of a hundred kilobytes: the line shows its start.
    lines.push(
      `Join order changed: ${displayName(c.joinOrder.before, JOIN_ORDER_SHOWN)} → ${displayName(c.joinOrder.after, JOIN_ORDER_SHOWN)}.`,
    );
  }
  for (const s of c.spills.appeared) lines.push(`New spill to disk: ${s.label}, ${s.detail}.`);
  for (const s of c.spills.vanished) lines.push(`Spill gone: ${s.label} no longer spills (was ${s.detail}).`);
  if (c.analyzed && t.timeMs) {
    const scale = Math.max(t.timeMs.before, t.timeMs.after, 1e-9);
    const moved = c.matches
      .filter((m) => Math.abs(m.selfTimeMs.delta) >= scale * NOTABLE_SHARE)
      .sort((x, y) => Math.abs(y.selfTimeMs.delta) - Math.abs(x.selfTimeMs.delta))
      .slice(0, MAX_NODE_LINES);
    for (const m of moved) {
      const label = m.beforeLabel === m.afterLabel ? m.afterLabel : `${m.beforeLabel} → ${m.afterLabel}`;
      lines.push(`${label}: self time ${formatMs(m.selfTimeMs.before)} → ${formatMs(m.selfTimeMs.after)}.`);
    }
  }
  const counts = { exact: 0, likely: 0, guessed: 0 };
  for (const m of c.matches) counts[m.confidence]++;
  const parts = [
    `${c.matches.length} nodes matched (${counts.exact} exact, ${counts.likely} likely, ${counts.guessed} guessed)`,
  ];
  if (c.unmatchedBefore.length) parts.push(`${c.unmatchedBefore.length} only before`);
  if (c.unmatchedAfter.length) parts.push(`${c.unmatchedAfter.length} only after`);
  lines.push(`${parts.join('; ')}.`);
  return lines;
}
