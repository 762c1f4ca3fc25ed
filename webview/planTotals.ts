import type { Plan, PlanNode } from '../src/shared/protocol';
import { h } from './dom';
import { formatCost, formatCount, formatMs, formatPercent } from './format';
import { nodeShare } from './heat';

/** What a totals row sums: every node of one table, or of one node type. */
export type TotalsBy = 'table' | 'type';

export interface TotalsRow {
  /** The table's name, or the node type. */
  key: string;
  /** Summed own time (own cost in an estimate-only plan). */
  amount: number;
  /** Summed share of the plan, 0..1. */
  share: number;
  count: number;
  /** Its nodes, most own time first: selecting the row selects the first. */
  nodeIds: number[];
}

function keyOf(node: PlanNode, by: TotalsBy): string | undefined {
  if (by === 'type') return node.fields['Node Type'];
  const relation = node.fields['Relation Name'];
  if (!relation) return undefined;
  const schema = node.fields.Schema;
  return schema && schema !== 'public' ? `${schema}.${relation}` : relation;
}

/** Per-table or per-node-type sums of own time (or cost), share and node count, most time first (depesz's stats). */
export function planTotals(plan: Plan, by: TotalsBy): TotalsRow[] {
  const own = (n: PlanNode) => (plan.analyzed ? n.metrics.exclusiveTimeMs : n.metrics.exclusiveCost);
  const rows = new Map<string, TotalsRow>();
  for (const node of plan.nodes) {
    const key = keyOf(node, by);
    if (key === undefined) continue;
    let row = rows.get(key);
    if (!row) {
      row = { key, amount: 0, share: 0, count: 0, nodeIds: [] };
      rows.set(key, row);
    }
    row.amount += own(node);
    row.share += nodeShare(plan, node);
    row.count++;
    row.nodeIds.push(node.id);
  }
  for (const row of rows.values()) row.nodeIds.sort((a, b) => own(plan.nodes[b]) - own(plan.nodes[a]));
  return [...rows.values()].sort((a, b) => b.amount - a.amount || a.key.localeCompare(b.key));
}

export interface TotalsHandlers {
  select(nodeId: number): void;
}

/**
 * One totals table (per table or per node type). A row is a button-like grid row: click or Enter selects the
 * row's slowest node in the tree; the row of the tree's selection is marked.
 */
export class TotalsTable {
  readonly element: HTMLDivElement;
  private rows: TotalsRow[] = [];
  private rowByNode = new Map<number, string>();
  private readonly body = h('tbody');

  constructor(
    private readonly by: TotalsBy,
    private readonly handlers: TotalsHandlers,
  ) {
    this.element = h('div', { className: 'grid-scroll totals-scroll' });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
  }

  show(plan: Plan): void {
    this.rows = planTotals(plan, this.by);
    this.rowByNode = new Map(this.rows.flatMap((r) => r.nodeIds.map((id) => [id, r.key] as [number, string])));
    const label = this.by === 'table' ? 'Table' : 'Node type';
    const measure = plan.analyzed ? 'Self time' : 'Self cost';
    const head = h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { text: label, attrs: { scope: 'col' } }),
        h('th', { className: 'num', text: measure, attrs: { scope: 'col' } }),
        h('th', { className: 'num', text: 'Share', attrs: { scope: 'col' } }),
        h('th', { className: 'num', text: 'Nodes', attrs: { scope: 'col' } }),
      ),
    );
    this.body.replaceChildren(
      ...this.rows.map((row) => {
        const tr = h(
          'tr',
          { attrs: { tabindex: 0, 'data-key': row.key, 'aria-selected': 'false' } },
          h('td', { text: row.key, attrs: { title: row.key } }),
          h('td', { className: 'num', text: plan.analyzed ? formatMs(row.amount) : formatCost(row.amount) }),
          h('td', { className: 'num', text: formatPercent(Math.min(1, row.share)) }),
          h('td', { className: 'num', text: formatCount(row.count) }),
        );
        tr.addEventListener('click', () => this.handlers.select(row.nodeIds[0]));
        return tr;
      }),
    );
    const table = h(
      'table',
      { className: 'node-grid totals', attrs: { 'aria-label': `Totals per ${label.toLowerCase()}` } },
      head,
      this.body,
    );
    this.element.replaceChildren(
      this.rows.length ? table : h('p', { className: 'muted', text: 'No node in this plan reads a table.' }),
    );
  }

  /** Marks the row the node belongs to. */
  setSelected(nodeId: number | undefined): void {
    const key = nodeId === undefined ? undefined : this.rowByNode.get(nodeId);
    for (const tr of this.body.querySelectorAll<HTMLTableRowElement>('tr')) {
      const on = tr.dataset.key === key;
      tr.classList.toggle('selected', on);
      tr.setAttribute('aria-selected', String(on));
    }
  }

  private onKey(event: KeyboardEvent): void {
    const tr = (event.target as Element | null)?.closest<HTMLTableRowElement>('tr[data-key]');
    if (!tr) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      tr.click();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = event.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
      (next as HTMLElement | null)?.focus();
    }
  }
}
