import type { Plan, PlanNode } from '../src/shared/protocol';
import { h } from './dom';
import { formatCost, formatCount, formatFactor, formatMs, formatPercent } from './format';
import { nodeShare } from './heat';
import { nodeLabel } from './nodeLabel';

/** Every row is this tall (CSS sets the same), so only the rows in view need to exist. */
export const GRID_ROW_HEIGHT = 24;
/** Rows drawn above and below the scrolled-to window. */
const OVERSCAN_ROWS = 12;

interface GridColumn {
  id: string;
  label: string;
  title: string;
  /** Sorted by this; text columns ascending first, figures descending (the big ones are the point). */
  value(node: PlanNode): number | string;
  text(node: PlanNode): string;
}

function columnsFor(plan: Plan): GridColumn[] {
  const m = (n: PlanNode) => n.metrics;
  const hitOf = (n: PlanNode) => m(n).buffersExclusive.sharedHit + m(n).buffersExclusive.localHit;
  const readOf = (n: PlanNode) =>
    m(n).buffersExclusive.sharedRead + m(n).buffersExclusive.localRead + m(n).buffersExclusive.tempRead;
  const id: GridColumn = {
    id: 'id',
    label: '#',
    title: 'Node number, in plan order',
    value: (n) => n.id,
    text: (n) => String(n.id),
  };
  const node: GridColumn = {
    id: 'node',
    label: 'Node',
    title: 'Node type and what it reads',
    value: (n) => nodeLabel(n.fields),
    text: (n) => `${'·'.repeat(Math.min(n.depth, 12))}${n.depth ? ' ' : ''}${nodeLabel(n.fields)}`,
  };
  const share: GridColumn = {
    id: 'share',
    label: plan.analyzed ? 'Self %' : 'Cost %',
    title: plan.analyzed
      ? "The node's own time as a share of execution"
      : "The node's own cost as a share of the total",
    value: (n) => nodeShare(plan, n),
    text: (n) => formatPercent(nodeShare(plan, n)),
  };
  const estRows: GridColumn = {
    id: 'est-rows',
    label: 'Rows est',
    title: "The planner's estimate, all loops",
    value: (n) => m(n).estimatedRowsTotal ?? -1,
    text: (n) => formatCount(m(n).estimatedRowsTotal ?? n.fields['Plan Rows']),
  };
  const buffers: GridColumn = {
    id: 'buffers',
    label: 'Buffers',
    title: 'Own blocks: hit in cache · read',
    value: (n) => hitOf(n) + readOf(n),
    text: (n) => (hitOf(n) || readOf(n) ? `${formatCount(hitOf(n))} · ${formatCount(readOf(n))}` : ''),
  };
  if (!plan.analyzed) {
    return [
      id,
      node,
      {
        id: 'self',
        label: 'Self cost',
        title: "The node's own cost (its total minus its children's)",
        value: (n) => m(n).exclusiveCost,
        text: (n) => formatCost(m(n).exclusiveCost),
      },
      {
        id: 'total',
        label: 'Total cost',
        title: 'Cost of the node and everything below it',
        value: (n) => n.fields['Total Cost'] ?? 0,
        text: (n) => formatCost(n.fields['Total Cost']),
      },
      share,
      estRows,
      {
        id: 'width',
        label: 'Width',
        title: 'Estimated row width in bytes',
        value: (n) => n.fields['Plan Width'] ?? 0,
        text: (n) => formatCount(n.fields['Plan Width']),
      },
    ];
  }
  return [
    id,
    node,
    {
      id: 'self',
      label: 'Self time',
      title: 'Exclusive time: the node without its children, all loops',
      value: (n) => m(n).exclusiveTimeMs,
      text: (n) => formatMs(m(n).exclusiveTimeMs),
    },
    {
      id: 'total',
      label: 'Total time',
      title: 'Inclusive time: the node and everything below it, all loops',
      value: (n) => m(n).inclusiveTimeMs,
      text: (n) => formatMs(m(n).inclusiveTimeMs),
    },
    share,
    {
      id: 'rows',
      label: 'Rows',
      title: 'Actual rows, all loops',
      value: (n) => (m(n).neverExecuted ? -1 : m(n).actualRowsTotal),
      text: (n) => (m(n).neverExecuted ? 'never run' : formatCount(m(n).actualRowsTotal)),
    },
    estRows,
    {
      id: 'misestimate',
      label: 'Misestimate',
      title: 'How far the estimate was off, per loop (↑ more rows than planned, ↓ fewer)',
      value: (n) => (m(n).neverExecuted ? 0 : m(n).misestimateFactor),
      text: (n) =>
        m(n).neverExecuted || m(n).misestimateFactor < 1.05
          ? ''
          : `${m(n).misestimateDirection === 'under' ? '↑' : '↓'} ${formatFactor(m(n).misestimateFactor)}`,
    },
    {
      id: 'loops',
      label: 'Loops',
      title: 'Actual loops',
      value: (n) => n.fields['Actual Loops'] ?? 0,
      text: (n) => formatCount(n.fields['Actual Loops']),
    },
    buffers,
  ];
}

export interface NodeGridHandlers {
  /** A row was chosen (click, arrows, Enter): the tree selects and centres the node. */
  select(nodeId: number): void;
}

/**
 * Every plan node as a sortable table (pev2's and depesz's grid): own and total time, share, rows actual and
 * estimated, misestimate, loops, buffers. Virtualised: a 10,000-node plan keeps about fifty rows in the DOM.
 * Keys: the arrows, Page Up/Down, Home and End move the selection; the column headers are buttons.
 */
export class NodeGrid {
  readonly element: HTMLDivElement;
  private readonly table = h('table', { className: 'node-grid' });
  private readonly head = h('thead');
  private readonly body = h('tbody');
  private plan?: Plan;
  private columns: GridColumn[] = [];
  private order: PlanNode[] = [];
  private rowOf = new Map<number, number>();
  private sortId = 'self';
  private descending = true;
  private selectedId?: number;
  private renderQueued = false;

  constructor(private readonly handlers: NodeGridHandlers) {
    this.element = h('div', {
      className: 'grid-scroll',
      attrs: { tabindex: 0, role: 'grid', 'aria-label': 'Plan nodes. Arrow keys move the selection.' },
    });
    this.table.append(this.head, this.body);
    this.element.append(this.table);
    this.element.addEventListener('scroll', () => this.queueRender());
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.body.addEventListener('click', (event) => {
      const row = (event.target as Element | null)?.closest<HTMLTableRowElement>('tr[data-node-id]');
      if (row) this.choose(Number(row.dataset.nodeId));
    });
    new ResizeObserver(() => this.queueRender()).observe(this.element);
  }

  show(plan: Plan): void {
    this.plan = plan;
    this.columns = columnsFor(plan);
    if (!this.columns.some((c) => c.id === this.sortId)) this.sortId = 'self';
    this.sort();
    this.renderHead();
    this.element.scrollTop = 0;
    this.render();
  }

  /** Marks the node's row, and scrolls it into view when `scroll`. */
  setSelected(nodeId: number | undefined, scroll: boolean): void {
    this.selectedId = nodeId;
    if (scroll && nodeId !== undefined) this.scrollToRow(this.rowOf.get(nodeId));
    this.render();
  }

  /** The sorted node ids (for tests). */
  sortedIds(): number[] {
    return this.order.map((n) => n.id);
  }

  private sort(): void {
    const column = this.columns.find((c) => c.id === this.sortId)!;
    const keyed = (this.plan?.nodes ?? []).map((n) => ({ n, v: column.value(n) }));
    const sign = this.descending ? -1 : 1;
    keyed.sort((a, b) => {
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
      return c * sign || a.n.id - b.n.id;
    });
    this.order = keyed.map((k) => k.n);
    this.rowOf = new Map(this.order.map((n, i) => [n.id, i]));
  }

  private renderHead(): void {
    const row = h('tr');
    for (const column of this.columns) {
      const sorted = column.id === this.sortId;
      const button = h('button', {
        className: 'sort-button',
        text: `${column.label}${sorted ? (this.descending ? ' ▾' : ' ▴') : ''}`,
        attrs: { type: 'button', title: `${column.title}. Sort by it.`, 'data-column': column.id },
      });
      button.addEventListener('click', () => {
        if (this.sortId === column.id) this.descending = !this.descending;
        else {
          this.sortId = column.id;
          this.descending = column.id !== 'node' && column.id !== 'id';
        }
        this.sort();
        this.renderHead();
        this.scrollToRow(this.selectedId === undefined ? 0 : this.rowOf.get(this.selectedId));
        this.render();
      });
      row.append(
        h(
          'th',
          {
            className: `col-${column.id}`,
            attrs: {
              scope: 'col',
              'aria-sort': sorted ? (this.descending ? 'descending' : 'ascending') : 'none',
            },
          },
          button,
        ),
      );
    }
    this.head.replaceChildren(row);
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const plan = this.plan;
    if (!plan) return;
    const total = this.order.length;
    const headHeight = this.head.getBoundingClientRect().height || GRID_ROW_HEIGHT;
    const top = Math.max(0, this.element.scrollTop - headHeight);
    const viewRows = Math.ceil((this.element.clientHeight || 400) / GRID_ROW_HEIGHT);
    const first = Math.max(0, Math.floor(top / GRID_ROW_HEIGHT) - OVERSCAN_ROWS);
    const last = Math.min(total, first + viewRows + 2 * OVERSCAN_ROWS);
    const rows: HTMLTableRowElement[] = [];
    const spacer = (height: number) => {
      const tr = h(
        'tr',
        { className: 'grid-spacer', attrs: { 'aria-hidden': 'true' } },
        h('td', { attrs: { colspan: 99 } }),
      );
      tr.style.height = `${height}px`;
      return tr;
    };
    const before = spacer(first * GRID_ROW_HEIGHT);
    const after = spacer((total - last) * GRID_ROW_HEIGHT);
    for (let i = first; i < last; i++) {
      const node = this.order[i];
      const selected = node.id === this.selectedId;
      const row = h('tr', {
        className: selected ? 'selected' : '',
        attrs: {
          id: `grid-row-${node.id}`,
          'data-node-id': node.id,
          'aria-rowindex': i + 2,
          'aria-selected': selected ? 'true' : 'false',
        },
      });
      for (const column of this.columns)
        row.append(
          h('td', {
            className: `col-${column.id}`,
            text: column.text(node),
            attrs: { title: column.id === 'node' ? nodeLabel(node.fields) : undefined },
          }),
        );
      rows.push(row);
    }
    this.body.replaceChildren(before, ...rows, after);
    this.element.setAttribute('aria-rowcount', String(total + 1));
    if (this.selectedId !== undefined && this.rowOf.has(this.selectedId) && this.body.querySelector('tr.selected'))
      this.element.setAttribute('aria-activedescendant', `grid-row-${this.selectedId}`);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private scrollToRow(index: number | undefined): void {
    if (index === undefined) return;
    const headHeight = this.head.getBoundingClientRect().height || GRID_ROW_HEIGHT;
    const top = index * GRID_ROW_HEIGHT;
    const view = this.element.clientHeight - headHeight;
    const scroll = this.element.scrollTop;
    if (top < scroll) this.element.scrollTop = top;
    else if (top + GRID_ROW_HEIGHT > scroll + view) this.element.scrollTop = top + GRID_ROW_HEIGHT - view;
  }

  private choose(nodeId: number): void {
    this.selectedId = nodeId;
    this.scrollToRow(this.rowOf.get(nodeId));
    this.render();
    this.handlers.select(nodeId);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey || !this.order.length) return;
    const at = this.selectedId === undefined ? -1 : (this.rowOf.get(this.selectedId) ?? -1);
    const page = Math.max(1, Math.floor(this.element.clientHeight / GRID_ROW_HEIGHT) - 2);
    let next: number;
    switch (event.key) {
      case 'ArrowDown':
        next = at + 1;
        break;
      case 'ArrowUp':
        next = at - 1;
        break;
      case 'PageDown':
        next = at + page;
        break;
      case 'PageUp':
        next = at - page;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.order.length - 1;
        break;
      case 'Enter':
      case ' ':
        next = Math.max(0, at);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    next = Math.min(this.order.length - 1, Math.max(0, next));
    this.choose(this.order[next].id);
  }
}
