import type { BufferCounts, Plan, PlanNode, SourceRange, TuningResult } from '../src/shared/protocol';
import { h } from './dom';
import { formatBlocks, formatCost, formatCount, formatFactor, formatMs, formatPercent } from './format';
import { nodeShare } from './heat';
import { nodeLabel, nodeRole } from './nodeLabel';

export interface DetailsActions {
  revealRange(range: SourceRange, nodeId: number): void;
}

type Row = [string, string | undefined];

/** The selected node's numbers: derived metrics first, then every raw EXPLAIN field under its PostgreSQL name. */
export function renderDetails(result: TuningResult, node: PlanNode | undefined, actions: DetailsActions): HTMLElement {
  const root = h('div', { className: 'details', attrs: { 'aria-live': 'polite' } });
  if (!node) {
    root.append(h('p', { className: 'muted', text: 'Select a node to see its details.' }));
    return root;
  }
  const plan = result.plan;
  const m = node.metrics;
  const heading = h('div', { className: 'details-heading' });
  const role = nodeRole(node.fields);
  if (role) heading.append(h('div', { className: 'muted small', text: role }));
  const titleRow = h(
    'div',
    { className: 'details-title-row' },
    h('h2', { className: 'details-title', text: nodeLabel(node.fields) }),
  );
  if (m.hotspotRank !== undefined) {
    const badge = document.createElement('vscode-badge');
    badge.className = `hotspot-badge rank-${Math.min(m.hotspotRank, 4)}`;
    badge.textContent = `hotspot #${m.hotspotRank}`;
    titleRow.append(badge);
  }
  heading.append(titleRow);
  root.append(heading);

  const range = result.nodeRanges[node.id];
  if (range) {
    const snippet = result.sql.slice(range.start, range.end).replace(/\s+/g, ' ');
    const button = document.createElement('vscode-button');
    button.setAttribute('secondary', '');
    button.className = 'reveal-button';
    button.textContent = 'Show in editor';
    button.addEventListener('click', () => actions.revealRange(range, node.id));
    root.append(
      h(
        'div',
        { className: 'sql-range' },
        h('code', { text: snippet.length > 120 ? `${snippet.slice(0, 119)}…` : snippet }),
        button,
      ),
    );
  }

  const share = nodeShare(plan, node);
  if (plan.analyzed) {
    root.append(
      section('Timing', [
        ['Self (exclusive) time', formatMs(m.exclusiveTimeMs)],
        ['Inclusive time', formatMs(m.inclusiveTimeMs)],
        ['Share of execution', formatPercent(share)],
        ['Loops', formatCount(node.fields['Actual Loops'])],
        ['I/O time (self)', m.ioTimeMsExclusive === undefined ? undefined : formatMs(m.ioTimeMsExclusive)],
        ['Never executed', m.neverExecuted ? 'yes' : undefined],
        ['In parallel workers', m.underGather ? 'yes' : undefined],
      ]),
    );
  }
  root.append(
    section('Rows', [
      ['Actual rows (all loops)', plan.analyzed ? formatCount(m.actualRowsTotal) : undefined],
      ['Estimated rows (all loops)', formatCount(plan.analyzed ? m.estimatedRowsTotal : node.fields['Plan Rows'])],
      ['Misestimate', plan.analyzed && m.misestimateFactor >= 1.5 ? misestimateText(node) : undefined],
      ['Removed by filter', m.rowsRemovedByFilter ? formatCount(m.rowsRemovedByFilter) : undefined],
      ['Removed by join filter', m.rowsRemovedByJoinFilter ? formatCount(m.rowsRemovedByJoinFilter) : undefined],
      ['Removed by index recheck', m.rowsRemovedByIndexRecheck ? formatCount(m.rowsRemovedByIndexRecheck) : undefined],
      ['Filter discards', m.filterDiscardRatio === undefined ? undefined : formatPercent(m.filterDiscardRatio)],
    ]),
    section('Cost', [
      ['Self cost', formatCost(m.exclusiveCost)],
      ['Share of cost', plan.analyzed ? undefined : formatPercent(share)],
    ]),
    buffersSection(m.buffersInclusive, m.buffersExclusive),
    rawFieldsSection(node),
  );
  return root;
}

function misestimateText(node: PlanNode): string {
  const m = node.metrics;
  const under = m.misestimateDirection === 'under';
  return `${under ? '↑ under-estimated' : '↓ over-estimated'} ${formatFactor(m.misestimateFactor)}`;
}

function section(title: string, rows: Row[]): HTMLElement {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined);
  const table = h('table', { className: 'kv' });
  for (const [k, v] of shown)
    table.append(h('tr', {}, h('th', { text: k, attrs: { scope: 'row' } }), h('td', { text: v })));
  return h(
    'section',
    { className: 'details-section' },
    h('h3', { text: title }),
    shown.length ? table : h('p', { className: 'muted', text: '–' }),
  );
}

const bufferRows: Array<[keyof BufferCounts, string]> = [
  ['sharedHit', 'Shared hit'],
  ['sharedRead', 'Shared read'],
  ['sharedDirtied', 'Shared dirtied'],
  ['sharedWritten', 'Shared written'],
  ['localHit', 'Local hit'],
  ['localRead', 'Local read'],
  ['localDirtied', 'Local dirtied'],
  ['localWritten', 'Local written'],
  ['tempRead', 'Temp read'],
  ['tempWritten', 'Temp written'],
];

function buffersSection(inclusive: BufferCounts, exclusive: BufferCounts): HTMLElement {
  const rows = bufferRows.filter(([key]) => inclusive[key] || exclusive[key]);
  const sec = h('section', { className: 'details-section' }, h('h3', { text: 'Buffers (8 kB blocks)' }));
  if (!rows.length) {
    sec.append(h('p', { className: 'muted', text: 'No buffer activity reported.' }));
    return sec;
  }
  const table = h(
    'table',
    { className: 'grid' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}),
        h('th', { text: 'Self', attrs: { scope: 'col' } }),
        h('th', { text: 'Inclusive', attrs: { scope: 'col' } }),
      ),
    ),
  );
  const body = h('tbody');
  for (const [key, label] of rows) {
    body.append(
      h(
        'tr',
        {},
        h('th', { text: label, attrs: { scope: 'row' } }),
        h('td', { text: formatBlocks(exclusive[key]) }),
        h('td', { text: formatBlocks(inclusive[key]) }),
      ),
    );
  }
  table.append(body);
  sec.append(table);
  return sec;
}

function rawFieldsSection(node: PlanNode): HTMLElement {
  const table = h('table', { className: 'kv raw' });
  for (const [key, value] of Object.entries(node.fields)) {
    if (key === 'Plans' || value === undefined) continue;
    table.append(h('tr', {}, h('th', { text: key, attrs: { scope: 'row' } }), h('td', { text: rawValue(value) })));
  }
  return h('section', { className: 'details-section' }, h('h3', { text: 'EXPLAIN fields' }), table);
}

function rawValue(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(', ');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Exported for the summary header. */
export function totalBlocks(b: BufferCounts): { hit: number; read: number } {
  return { hit: b.sharedHit + b.localHit, read: b.sharedRead + b.localRead + b.tempRead };
}

export type { Plan };
