// The compare mode: two plans side by side, matched nodes linked (hover or select one and its match lights
// up on the other side), each node marked with its match and what changed, the summary on top.

import type { Delta, DidShowComparisonNotification, NodeMatch, TuningResult } from '../src/shared/protocol';
import { h, s } from './dom';
import { formatCount, formatMs } from './format';
import { PlanCanvas } from './planCanvas';
import { defaultCollapsed, layoutPlan, NODE_HEIGHT, NODE_WIDTH } from './planLayout';

export type Comparison = Omit<DidShowComparisonNotification, 'type'>;
type Side = 'before' | 'after';

export interface CompareViewHandlers {
  toolbar(): HTMLElement;
  changed(): void;
}

/** "3.2× faster", "2.0× slower", "same"; for a time or a count, lower is better. */
function change(d: Delta, better: string, worse: string): string {
  if (d.before === d.after) return 'same';
  if (d.after <= 0) return d.before > 0 ? `${better}, now 0` : 'same';
  if (d.before <= 0) return 'new';
  const r = d.before / d.after;
  return r >= 1 ? `${r >= 10 ? Math.round(r) : r.toFixed(1)}× ${better}` : `${1 / r >= 10 ? Math.round(1 / r) : (1 / r).toFixed(1)}× ${worse}`;
}

export class CompareView {
  readonly element = h('div', { className: 'compare' });
  private readonly canvases: Record<Side, PlanCanvas>;
  private readonly byBefore = new Map<number, NodeMatch>();
  private readonly byAfter = new Map<number, NodeMatch>();
  private readonly info = h('div', { className: 'compare-info muted', attrs: { role: 'status' } });
  private hovered?: { side: Side; id: number };
  private selected?: { side: Side; id: number };

  constructor(
    readonly data: Comparison,
    private readonly handlers: CompareViewHandlers,
  ) {
    for (const m of data.comparison.matches) {
      this.byBefore.set(m.beforeId, m);
      this.byAfter.set(m.afterId, m);
    }
    const canvas = (side: Side): PlanCanvas =>
      new PlanCanvas({
        select: (id) => this.select(side, id),
        toggle: () => undefined,
        transformChanged: () => this.handlers.changed(),
        decorate: (g, id) => this.decorate(side, g, id),
        hover: (id) => this.hover(side, id),
      });
    this.canvases = { before: canvas('before'), after: canvas('after') };
  }

  /** The canvases' SVGs, left to right, for export. */
  svgs(): SVGSVGElement[] {
    return [this.canvases.before.svgElement(), this.canvases.after.svgElement()];
  }

  mount(): void {
    const { data } = this;
    const summary = h('ul', { className: 'compare-summary' }, ...data.summary.map((line) => h('li', { text: line })));
    const head = h('div', { className: 'summary' }, h('h1', { className: 'title', text: data.title }), summary);
    const topbar = h('div', { className: 'topbar' }, head, this.handlers.toolbar());
    const pane = (side: Side, result: TuningResult, label: string): HTMLElement => {
      const plan = result.plan;
      const figure = plan.analyzed ? formatMs(plan.executionTimeMs ?? plan.totals.timeMs) : `cost ${formatCount(plan.totals.cost)}`;
      return h(
        'section',
        { className: `compare-pane ${side}`, attrs: { 'aria-label': label } },
        h('div', { className: 'pane-head' }, h('strong', { text: label }), h('span', { className: 'muted', text: ` · ${figure} · ${plan.nodes.length} nodes` })),
        this.canvases[side].element,
      );
    };
    this.element.replaceChildren(
      topbar,
      this.info,
      h('div', { className: 'compare-main' }, pane('before', data.before, data.beforeLabel ?? 'Before'), pane('after', data.after, data.afterLabel ?? 'After')),
    );
    for (const side of ['before', 'after'] as const) {
      const plan = data[side].plan;
      this.canvases[side].show(plan, layoutPlan(plan, new Set(defaultCollapsed(plan))), undefined, 'fit');
    }
    this.describe(undefined);
  }

  private matchOf(side: Side, id: number): NodeMatch | undefined {
    return side === 'before' ? this.byBefore.get(id) : this.byAfter.get(id);
  }

  private decorate(side: Side, g: SVGGElement, id: number): void {
    const m = this.matchOf(side, id);
    g.classList.add(m ? `match-${m.confidence}` : 'unmatched');
    const text = !m
      ? side === 'before' ? 'gone in the after plan' : 'new in this plan'
      : side === 'after' ? this.deltaText(m) : m.typeChange ? `becomes ${m.typeChange.after}` : `${m.confidence} match`;
    g.append(
      s('text', { className: `delta ${m ? m.confidence : 'none'}`, text, attrs: { x: NODE_WIDTH - 4, y: NODE_HEIGHT + 14, 'text-anchor': 'end' } }),
    );
    if (this.hovered && this.linkedId(this.hovered, side) === id) g.classList.add('linked');
    if (this.selected && this.linkedId(this.selected, side) === id) g.classList.add('linked-selected');
  }

  private deltaText(m: NodeMatch): string {
    const parts: string[] = [];
    if (m.typeChange) parts.push(`was ${m.typeChange.before}`);
    if (this.data.comparison.analyzed && m.selfTimeMs.before !== m.selfTimeMs.after) parts.push(`self ${change(m.selfTimeMs, 'faster', 'slower')}`);
    if (m.rows.before !== m.rows.after) parts.push(`rows ${formatCount(m.rows.before)}→${formatCount(m.rows.after)}`);
    return parts.join(' · ') || 'unchanged';
  }

  /** The id on `side` linked to a node: itself on its own side, its match on the other. */
  private linkedId(at: { side: Side; id: number }, side: Side): number | undefined {
    if (at.side === side) return undefined;
    const m = this.matchOf(at.side, at.id);
    return m ? (side === 'before' ? m.beforeId : m.afterId) : undefined;
  }

  private setLinkClass(at: { side: Side; id: number } | undefined, cls: string, on: boolean): void {
    if (!at) return;
    const other: Side = at.side === 'before' ? 'after' : 'before';
    const id = this.linkedId(at, other);
    if (id !== undefined) this.canvases[other].nodeElement(id)?.classList.toggle(cls, on);
    this.canvases[at.side].nodeElement(at.id)?.classList.toggle(`${cls}-source`, on);
  }

  private hover(side: Side, id: number | undefined): void {
    this.setLinkClass(this.hovered, 'linked', false);
    this.hovered = id === undefined ? undefined : { side, id };
    this.setLinkClass(this.hovered, 'linked', true);
  }

  /** Selecting a node selects its match too, and brings it into view. */
  private select(side: Side, id: number): void {
    this.setLinkClass(this.selected, 'linked-selected', false);
    this.selected = { side, id };
    const other: Side = side === 'before' ? 'after' : 'before';
    this.canvases[side].setSelected(id);
    const linked = this.linkedId(this.selected, other);
    this.canvases[other].setSelected(linked);
    if (linked !== undefined) this.canvases[other].ensureVisible(linked);
    this.setLinkClass(this.selected, 'linked-selected', true);
    this.describe(this.matchOf(side, id));
    this.handlers.changed();
  }

  private describe(m: NodeMatch | undefined): void {
    if (!m) {
      this.info.textContent = this.selected ? 'This node has no counterpart in the other plan.' : 'Select a node to see its match in the other plan.';
      return;
    }
    const parts = [`${m.beforeLabel} ↔ ${m.afterLabel}`, `${m.confidence} match (score ${m.score.toFixed(2)})`, `rows ${formatCount(m.rows.before)} → ${formatCount(m.rows.after)}`];
    if (this.data.comparison.analyzed) parts.push(`self ${formatMs(m.selfTimeMs.before)} → ${formatMs(m.selfTimeMs.after)}`);
    this.info.textContent = parts.join(' · ');
  }

  /** For tests: select a node as a click would. */
  selectForTest(side: Side, id: number): void {
    this.select(side, id);
  }
}
