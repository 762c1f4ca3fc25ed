import type { Plan } from '../src/shared/protocol';
import { h } from './dom';
import { NodeGrid } from './nodeGrid';
import { TotalsTable } from './planTotals';

export type DrawerTab = 'nodes' | 'tables' | 'types';

const tabs: Array<{ id: DrawerTab; label: string; title: string }> = [
  { id: 'nodes', label: 'Nodes', title: 'Every node in a sortable grid: time, rows, misestimate, loops, buffers' },
  { id: 'tables', label: 'Per table', title: 'Own time, share and node count summed per table' },
  { id: 'types', label: 'Per node type', title: 'Own time, share and node count summed per node type' },
];

/**
 * The strip under the plan tree: the heat legend (kept out of the canvas, so it never covers a node) and the
 * tabs of the other views of the plan (the node grid, totals per table and per node type). A tab opens the
 * drawer under the tree; pressing the open tab closes it and the tree has its room back. Each view draws only
 * once opened, and again only when the plan changes.
 */
export class DataDrawer {
  readonly element: HTMLDivElement;
  readonly grid: NodeGrid;
  private readonly tables: TotalsTable;
  private readonly types: TotalsTable;
  private readonly buttons = new Map<DrawerTab, HTMLButtonElement>();
  private readonly body = h('div', { className: 'drawer-body', attrs: { role: 'tabpanel', hidden: true } });
  private open?: DrawerTab;
  private plan?: Plan;
  private drawn = new Set<DrawerTab>();
  private selectedId?: number;

  constructor(
    select: (nodeId: number) => void,
    private readonly resized: () => void,
  ) {
    this.grid = new NodeGrid({ select });
    this.tables = new TotalsTable('table', { select });
    this.types = new TotalsTable('type', { select });
    const strip = h('div', { className: 'drawer-strip' });
    const list = h('div', { className: 'drawer-tabs', attrs: { role: 'tablist', 'aria-label': 'Plan views' } });
    for (const tab of tabs) {
      const button = h('button', {
        className: 'drawer-tab',
        text: tab.label,
        attrs: {
          type: 'button',
          role: 'tab',
          id: `drawer-tab-${tab.id}`,
          'aria-selected': 'false',
          'aria-expanded': 'false',
          title: `${tab.title}. Press again to close.`,
        },
      });
      button.addEventListener('click', () => this.toggle(tab.id));
      button.addEventListener('keydown', (event) => {
        if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
        event.preventDefault();
        const i = tabs.findIndex((t) => t.id === tab.id);
        const next = tabs[(i + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
        this.buttons.get(next.id)?.focus();
      });
      this.buttons.set(tab.id, button);
      list.append(button);
    }
    const legend = h(
      'div',
      { className: 'legend', attrs: { 'aria-hidden': 'true' } },
      h('span', { className: 'l4', text: '≥40%' }),
      h('span', { className: 'l3', text: '≥20%' }),
      h('span', { className: 'l2', text: '≥10%' }),
      h('span', { className: 'l1', text: '≥2% of time' }),
    );
    strip.append(list, legend);
    this.element = h('div', { className: 'drawer' }, strip, this.body);
  }

  show(plan: Plan, selectedId: number | undefined): void {
    this.plan = plan;
    this.drawn.clear();
    this.selectedId = selectedId;
    const legendLast = this.element.querySelector('.legend span.l1');
    if (legendLast) legendLast.textContent = plan.analyzed ? '≥2% of time' : '≥2% of cost';
    if (this.open) this.draw(this.open);
  }

  setSelected(nodeId: number | undefined): void {
    this.selectedId = nodeId;
    if (this.open === 'nodes') this.grid.setSelected(nodeId, true);
    else if (this.open === 'tables') this.tables.setSelected(nodeId);
    else if (this.open === 'types') this.types.setSelected(nodeId);
  }

  /** Opens `tab`, or closes the drawer when it is the open one. */
  toggle(tab: DrawerTab): void {
    this.open = this.open === tab ? undefined : tab;
    for (const [id, button] of this.buttons) {
      button.setAttribute('aria-selected', String(id === this.open));
      button.setAttribute('aria-expanded', String(id === this.open));
    }
    this.element.classList.toggle('open', this.open !== undefined);
    this.body.hidden = this.open === undefined;
    if (this.open) {
      this.body.setAttribute('aria-labelledby', `drawer-tab-${this.open}`);
      this.draw(this.open);
    } else this.body.replaceChildren();
    this.resized();
  }

  openTab(): DrawerTab | undefined {
    return this.open;
  }

  private draw(tab: DrawerTab): void {
    const plan = this.plan;
    if (!plan) return;
    const view = tab === 'nodes' ? this.grid : tab === 'tables' ? this.tables : this.types;
    this.body.replaceChildren(view.element);
    if (!this.drawn.has(tab)) {
      view.show(plan);
      this.drawn.add(tab);
    }
    if (tab === 'nodes') this.grid.setSelected(this.selectedId, true);
    else (view as TotalsTable).setSelected(this.selectedId);
  }
}
