// The compare mode: two plans side by side, matched nodes linked (hover or select one and its match lights
// up on the other side), each node marked with its match and what changed, the summary on top. Runs of
// similar siblings are grouped on each side as in the plan view, a group paired with its counterpart
// (compareGroups.ts) and marked with the summed change; opening or closing a group does the same to its
// partner, and each canvas draws only what is in view. The open groups and each side's zoom go into the panel's
// saved state, so a reload brings them back. A side too big to read when fitted opens at the readable scale
// on the biggest change (the pair whose self time, or cost, moved most), and the view says so; F or Fit shows
// the whole plans.

import type {
  CompareOpenGroups,
  CompareTransforms,
  Delta,
  DidShowComparisonNotification,
  NodeMatch,
  TuningResult,
} from '../src/shared/protocol';
import { pairGroups, type GroupPair, type GroupPairs } from './compareGroups';
import { h, s } from './dom';
import { formatCount, formatMs } from './format';
import { PlanCanvas, READABLE_SCALE } from './planCanvas';
import { defaultCollapsed, layoutPlan, NODE_HEIGHT, NODE_WIDTH, type Grouping, type PlanLayout } from './planLayout';
import {
  findSiblingGroups,
  groupBoxId,
  groupIdOfBox,
  groupTitle,
  hiddenInGroup,
  type SiblingGroup,
  type SiblingGroups,
} from './siblingGroups';

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
  return r >= 1
    ? `${r >= 10 ? Math.round(r) : r.toFixed(1)}× ${better}`
    : `${1 / r >= 10 ? Math.round(1 / r) : (1 / r).toFixed(1)}× ${worse}`;
}

/** Per side: its groups, which of them are open, which subtrees are collapsed, and the layout drawn. */
interface SideState {
  groups: SiblingGroups;
  expanded: Set<number>;
  collapsed: Set<number>;
  layout?: PlanLayout;
}

/** Plans of at most this many nodes open fitted whole, never zoomed in with a "too big to read whole" note. */
export const SMALL_PLAN_NODES = 40;

const other = (side: Side): Side => (side === 'before' ? 'after' : 'before');

/**
 * The same comparison sent again (the host re-sends it when the view reloads): comparisons carry no key, so
 * what names them is compared: the title, the summary, both statements, both plans' totals and the matches.
 */
export function sameComparison(a: Comparison, b: Comparison): boolean {
  return (
    a.title === b.title &&
    a.summary.join('\n') === b.summary.join('\n') &&
    a.before.sql === b.before.sql &&
    a.after.sql === b.after.sql &&
    a.before.plan.totals.cost === b.before.plan.totals.cost &&
    a.after.plan.totals.cost === b.after.plan.totals.cost &&
    a.before.plan.executionTimeMs === b.before.plan.executionTimeMs &&
    a.after.plan.executionTimeMs === b.after.plan.executionTimeMs &&
    a.comparison.matches.length === b.comparison.matches.length
  );
}

export class CompareView {
  readonly element = h('div', { className: 'compare' });
  private readonly canvases: Record<Side, PlanCanvas>;
  private readonly byBefore = new Map<number, NodeMatch>();
  private readonly byAfter = new Map<number, NodeMatch>();
  private readonly sides: Record<Side, SideState>;
  private readonly groupPairs: GroupPairs;
  private readonly info = h('div', { className: 'compare-info muted', attrs: { role: 'status' } });
  private readonly infoText = h('span', { className: 'compare-info-text' });
  /** "Zoomed to 60% on the biggest change…": while a side opened zoomed in, until F or Fit. */
  private readonly zoomNote = h('span', { className: 'compare-zoom-note' });
  /** Sides that opened at the readable scale because the whole plan would be too small to read. */
  private readonly zoomedIn = new Set<Side>();
  private hovered?: { side: Side; id: number };
  private selected?: { side: Side; id: number };

  constructor(
    readonly data: Comparison,
    private readonly handlers: CompareViewHandlers,
    /** Groups to open on mount (saved state); ids no longer naming a group of that side are dropped. */
    private readonly restore?: CompareOpenGroups,
    /** Each side's zoom and pan to open with (saved state), instead of the first view. */
    private readonly restoreViews?: CompareTransforms,
  ) {
    this.info.append(this.infoText, this.zoomNote);
    for (const m of data.comparison.matches) {
      this.byBefore.set(m.beforeId, m);
      this.byAfter.set(m.afterId, m);
    }
    const sideState = (plan: TuningResult['plan']): SideState => ({
      groups: findSiblingGroups(plan),
      expanded: new Set(),
      collapsed: new Set(),
    });
    this.sides = { before: sideState(data.before.plan), after: sideState(data.after.plan) };
    this.groupPairs = pairGroups(this.sides.before.groups, this.sides.after.groups, data.comparison.matches);
    const canvas = (side: Side): PlanCanvas =>
      new PlanCanvas({
        select: (id) => this.select(side, id),
        toggle: (id) => this.toggle(side, id),
        transformChanged: () => this.handlers.changed(),
        decorate: (g, id) => this.decorate(side, g, id),
        hover: (id) => this.hover(side, id),
      });
    this.canvases = { before: canvas('before'), after: canvas('after') };
    for (const c of Object.values(this.canvases)) {
      // The canvas fits its own plan on F; in compare mode F fits both, as the Fit button does.
      c.element.addEventListener('keydown', (event) => {
        if ((event.key === 'f' || event.key === 'F') && !event.altKey && !event.ctrlKey && !event.metaKey)
          this.fitBoth();
      });
    }
  }

  /** The canvases, left to right, for export. */
  exportCanvases(): PlanCanvas[] {
    return [this.canvases.before, this.canvases.after];
  }

  mount(): void {
    const { data } = this;
    const summary = h('ul', { className: 'compare-summary' }, ...data.summary.map((line) => h('li', { text: line })));
    const head = h('div', { className: 'summary' }, h('h1', { className: 'title', text: data.title }), summary);
    const toolbar = this.handlers.toolbar();
    const fit = document.createElement('vscode-button');
    fit.id = 'fit-button';
    fit.textContent = 'Fit';
    fit.title = 'Fit both plans to their panes (F)';
    fit.setAttribute('secondary', '');
    fit.addEventListener('click', () => this.fitBoth());
    toolbar.prepend(fit);
    const topbar = h('div', { className: 'topbar' }, head, toolbar);
    const pane = (side: Side, result: TuningResult, label: string): HTMLElement => {
      const plan = result.plan;
      const figure = plan.analyzed
        ? formatMs(plan.executionTimeMs ?? plan.totals.timeMs)
        : `cost ${formatCount(plan.totals.cost)}`;
      return h(
        'section',
        { className: `compare-pane ${side}`, attrs: { 'aria-label': label } },
        h(
          'div',
          { className: 'pane-head' },
          h('strong', { text: label }),
          h('span', { className: 'muted', text: ` · ${figure} · ${plan.nodes.length} nodes` }),
        ),
        this.canvases[side].element,
      );
    };
    this.element.replaceChildren(
      topbar,
      this.info,
      h(
        'div',
        { className: 'compare-main' },
        pane('before', data.before, data.beforeLabel ?? 'Before'),
        pane('after', data.after, data.afterLabel ?? 'After'),
      ),
    );
    const change = this.restoreViews ? undefined : this.biggestChange();
    for (const side of ['before', 'after'] as const) {
      const plan = data[side].plan;
      const state = this.sides[side];
      state.expanded = new Set((this.restore?.[side] ?? []).filter((id) => state.groups.byId.has(id)));
      state.collapsed = new Set(defaultCollapsed(plan, undefined, this.grouping(side)));
      state.layout = layoutPlan(plan, state.collapsed, this.grouping(side));
      const restored = this.restoreViews?.[side];
      if (restored) {
        this.canvases[side].show(plan, state.layout, undefined, restored);
        continue;
      }
      const focus = change ? this.shownBoxOf(side, side === 'before' ? change.beforeId : change.afterId) : undefined;
      // A small plan is always shown whole, however short the pane: zooming in on it would hide most of it.
      const small = plan.nodes.length <= SMALL_PLAN_NODES;
      const { view, whole } = this.canvases[side].fitView(state.layout, small ? 0.001 : READABLE_SCALE, focus);
      if (!whole && !small) this.zoomedIn.add(side);
      this.canvases[side].show(plan, state.layout, undefined, view);
    }
    this.describe(undefined);
    this.noteZoom(change);
  }

  /** What the panel saves: each side's zoom and pan. */
  transforms(): CompareTransforms {
    return { before: this.canvases.before.getTransform(), after: this.canvases.after.getTransform() };
  }

  /** Fits both whole plans to their panes (F, the Fit button), however small that draws them. */
  fitBoth(): void {
    for (const c of Object.values(this.canvases)) c.fit();
    this.zoomedIn.clear();
    this.noteZoom(undefined);
  }

  /** The pair whose self time (estimates only: self cost) moved most; the summary ranks the same way. */
  private biggestChange(): NodeMatch | undefined {
    const analyzed = this.data.comparison.analyzed;
    let best: NodeMatch | undefined;
    let size = 0;
    for (const m of this.data.comparison.matches) {
      const d = Math.abs(analyzed ? m.selfTimeMs.delta : m.selfCost.delta);
      if (d > size) {
        best = m;
        size = d;
      }
    }
    return best;
  }

  /** Says which side opened zoomed in, where, and how to see the whole plans; empty once none is. */
  private noteZoom(change: NodeMatch | undefined): void {
    if (this.zoomedIn.size === 0) {
      this.zoomNote.textContent = '';
      return;
    }
    const scale = `${Math.round(READABLE_SCALE * 100)}%`;
    const who = this.zoomedIn.size === 2 ? 'Both plans are' : `The ${[...this.zoomedIn][0]} plan is`;
    let where = 'from the top';
    if (change) {
      const label =
        change.beforeLabel === change.afterLabel ? change.afterLabel : `${change.beforeLabel} → ${change.afterLabel}`;
      const figure = this.data.comparison.analyzed
        ? `self ${formatMs(change.selfTimeMs.before)} → ${formatMs(change.selfTimeMs.after)}`
        : `self cost ${formatCount(change.selfCost.before)} → ${formatCount(change.selfCost.after)}`;
      where = `on the biggest change, ${label} (${figure})`;
    }
    this.zoomNote.textContent = ` ${who} too big to read whole: zoomed to ${scale} ${where}. Press F or Fit to see all of ${this.zoomedIn.size === 2 ? 'them' : 'it'}.`;
  }

  /** What the panel saves: the open groups of each side. */
  openGroups(): CompareOpenGroups {
    return { before: [...this.sides.before.expanded], after: [...this.sides.after.expanded] };
  }

  private grouping(side: Side): Grouping {
    return { groups: this.sides[side].groups, expanded: this.sides[side].expanded };
  }

  private matchOf(side: Side, id: number): NodeMatch | undefined {
    return side === 'before' ? this.byBefore.get(id) : this.byAfter.get(id);
  }

  private pairOf(side: Side, groupId: number): GroupPair | undefined {
    return side === 'before' ? this.groupPairs.byBefore.get(groupId) : this.groupPairs.byAfter.get(groupId);
  }

  /**
   * Opens or closes a group and its partner, or collapses or expands a subtree and its match's, so both sides
   * keep showing the same part of the plan.
   */
  private toggle(side: Side, id: number): void {
    const groupId = groupIdOfBox(id);
    const otherSide = other(side);
    if (groupId !== undefined) {
      const open = !this.sides[side].expanded.has(groupId);
      const pair = this.pairOf(side, groupId);
      this.setOpen(side, groupId, open);
      if (pair) this.setOpen(otherSide, (side === 'before' ? pair.after : pair.before).id, open);
    } else {
      const collapse = !this.sides[side].collapsed.has(id);
      const m = this.matchOf(side, id);
      const partner = m ? (side === 'before' ? m.afterId : m.beforeId) : undefined;
      this.setCollapsed(side, id, collapse);
      if (partner !== undefined && this.data[otherSide].plan.nodes[partner]?.children.length)
        this.setCollapsed(otherSide, partner, collapse);
    }
    const linked = this.linkedId({ side, id }, otherSide);
    this.relayout(side, id);
    this.relayout(otherSide, linked);
    this.handlers.changed();
  }

  private setOpen(side: Side, groupId: number, open: boolean): void {
    if (open) this.sides[side].expanded.add(groupId);
    else this.sides[side].expanded.delete(groupId);
  }

  private setCollapsed(side: Side, id: number, collapsed: boolean): void {
    if (collapsed) this.sides[side].collapsed.add(id);
    else this.sides[side].collapsed.delete(id);
  }

  /** New layout of one side; `anchorId` stays where it was on screen. */
  private relayout(side: Side, anchorId: number | undefined): void {
    const state = this.sides[side];
    const plan = this.data[side].plan;
    const before = anchorId === undefined ? undefined : state.layout?.byId.get(anchorId);
    state.layout = layoutPlan(plan, state.collapsed, this.grouping(side));
    const after = anchorId === undefined ? undefined : state.layout.byId.get(anchorId);
    const canvas = this.canvases[side];
    const t = canvas.getTransform();
    const view =
      before && after ? { k: t.k, x: t.x + (before.x - after.x) * t.k, y: t.y + (before.y - after.y) * t.k } : t;
    const selected = this.selected
      ? this.selected.side === side
        ? this.selected.id
        : this.linkedId(this.selected, side)
      : undefined;
    canvas.show(plan, state.layout, selected, view);
  }

  private decorate(side: Side, g: SVGGElement, id: number): void {
    const groupId = groupIdOfBox(id);
    if (groupId !== undefined) this.decorateGroup(side, g, groupId);
    else this.decorateNode(side, g, id);
    if (this.hovered && this.linkedId(this.hovered, side) === id) g.classList.add('linked');
    if (this.selected && this.linkedId(this.selected, side) === id) g.classList.add('linked-selected');
  }

  /** A group box: paired, with the summed change on the after side; or its members' matches lie elsewhere. */
  private decorateGroup(side: Side, g: SVGGElement, groupId: number): void {
    const pair = this.pairOf(side, groupId);
    g.classList.add(pair ? 'match-group' : 'unmatched');
    const text = !pair
      ? side === 'before'
        ? 'no group like it in the after plan'
        : 'no group like it before'
      : side === 'after'
        ? this.groupDeltaText(pair)
        : `${pair.matched} matched in ${groupTitle(pair.after)}`;
    g.append(
      s('text', {
        className: `delta ${pair ? 'group' : 'none'}`,
        text,
        attrs: { x: NODE_WIDTH - 4, y: NODE_HEIGHT + 14, 'text-anchor': 'end' },
      }),
    );
  }

  private groupDeltaText(pair: GroupPair): string {
    const parts: string[] = [];
    const nb = pair.before.members.length;
    const na = pair.after.members.length;
    if (nb !== na) parts.push(`${formatCount(nb)} → ${formatCount(na)} members`);
    if (this.data.comparison.analyzed && pair.timeMs.before !== pair.timeMs.after)
      parts.push(`Σ ${change(pair.timeMs, 'faster', 'slower')}`);
    else if (!this.data.comparison.analyzed && pair.cost.before !== pair.cost.after)
      parts.push(`Σ cost ${change(pair.cost, 'lower', 'higher')}`);
    if (pair.rows.before !== pair.rows.after)
      parts.push(`Σ rows ${formatCount(pair.rows.before)}→${formatCount(pair.rows.after)}`);
    return parts.join(' · ') || 'unchanged';
  }

  private decorateNode(side: Side, g: SVGGElement, id: number): void {
    const m = this.matchOf(side, id);
    g.classList.add(m ? `match-${m.confidence}` : 'unmatched');
    const text = !m
      ? side === 'before'
        ? 'gone in the after plan'
        : 'new in this plan'
      : side === 'after'
        ? this.deltaText(m)
        : m.typeChange
          ? `becomes ${m.typeChange.after}`
          : `${m.confidence} match`;
    g.append(
      s('text', {
        className: `delta ${m ? m.confidence : 'none'}`,
        text,
        attrs: { x: NODE_WIDTH - 4, y: NODE_HEIGHT + 14, 'text-anchor': 'end' },
      }),
    );
  }

  private deltaText(m: NodeMatch): string {
    const parts: string[] = [];
    if (m.typeChange) parts.push(`was ${m.typeChange.before}`);
    if (this.data.comparison.analyzed && m.selfTimeMs.before !== m.selfTimeMs.after)
      parts.push(`self ${change(m.selfTimeMs, 'faster', 'slower')}`);
    if (m.rows.before !== m.rows.after) parts.push(`rows ${formatCount(m.rows.before)}→${formatCount(m.rows.after)}`);
    return parts.join(' · ') || 'unchanged';
  }

  /**
   * The box on `side` linked to a node or group box of the other side: a group's partner group; a node's
   * match, or the box that hides it there (its closed group, or its collapsed ancestor).
   */
  private linkedId(at: { side: Side; id: number }, side: Side): number | undefined {
    if (at.side === side) return undefined;
    const groupId = groupIdOfBox(at.id);
    if (groupId !== undefined) {
      const pair = this.pairOf(at.side, groupId);
      return pair ? groupBoxId((side === 'before' ? pair.before : pair.after).id) : undefined;
    }
    const m = this.matchOf(at.side, at.id);
    return m ? this.shownBoxOf(side, side === 'before' ? m.beforeId : m.afterId) : undefined;
  }

  /** The node's own box when drawn, else the box that stands for it. */
  private shownBoxOf(side: Side, id: number): number {
    const { layout, groups, expanded } = this.sides[side];
    if (!layout || layout.byId.has(id)) return id;
    const nodes = this.data[side].plan.nodes;
    for (let n: number | null = id; n !== null; n = nodes[n].parentId) {
      if (n !== id && layout.byId.has(n)) return n;
      const group = hiddenInGroup(groups, expanded, n);
      if (group && layout.byId.has(groupBoxId(group.id))) return groupBoxId(group.id);
    }
    return id;
  }

  private setLinkClass(at: { side: Side; id: number } | undefined, cls: string, on: boolean): void {
    if (!at) return;
    const id = this.linkedId(at, other(at.side));
    if (id !== undefined) this.canvases[other(at.side)].nodeElement(id)?.classList.toggle(cls, on);
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
    const otherSide = other(side);
    this.canvases[side].setSelected(id);
    // Keyboard moves can go past the edge of the view.
    this.canvases[side].ensureVisible(id);
    const linked = this.linkedId(this.selected, otherSide);
    this.canvases[otherSide].setSelected(linked);
    if (linked !== undefined) this.canvases[otherSide].ensureVisible(linked);
    this.setLinkClass(this.selected, 'linked-selected', true);
    const groupId = groupIdOfBox(id);
    if (groupId !== undefined) this.describeGroup(side, this.sides[side].groups.byId.get(groupId));
    else this.describe(this.matchOf(side, id));
    this.handlers.changed();
  }

  private describeGroup(side: Side, group: SiblingGroup | undefined): void {
    const pair = group ? this.pairOf(side, group.id) : undefined;
    if (!group || !pair) {
      this.infoText.textContent = group
        ? `${groupTitle(group)}: no group of similar nodes in the other plan holds their matches.`
        : '';
      return;
    }
    const parts = [
      `${groupTitle(pair.before)} ↔ ${groupTitle(pair.after)}`,
      `${formatCount(pair.matched)} of ${formatCount(pair.before.members.length)} members matched`,
    ];
    if (this.data.comparison.analyzed)
      parts.push(`Σ time ${formatMs(pair.timeMs.before)} → ${formatMs(pair.timeMs.after)}`);
    else parts.push(`Σ cost ${formatCount(pair.cost.before)} → ${formatCount(pair.cost.after)}`);
    parts.push(`Σ rows ${formatCount(pair.rows.before)} → ${formatCount(pair.rows.after)}`);
    this.infoText.textContent = parts.join(' · ');
  }

  private describe(m: NodeMatch | undefined): void {
    if (!m) {
      this.infoText.textContent = this.selected
        ? 'This node has no counterpart in the other plan.'
        : 'Select a node to see its match in the other plan.';
      return;
    }
    const parts = [
      `${m.beforeLabel} ↔ ${m.afterLabel}`,
      `${m.confidence} match (score ${m.score.toFixed(2)})`,
      `rows ${formatCount(m.rows.before)} → ${formatCount(m.rows.after)}`,
    ];
    if (this.data.comparison.analyzed)
      parts.push(`self ${formatMs(m.selfTimeMs.before)} → ${formatMs(m.selfTimeMs.after)}`);
    this.infoText.textContent = parts.join(' · ');
  }

  /** For tests: select a node as a click would. */
  selectForTest(side: Side, id: number): void {
    this.select(side, id);
  }
}
