import { fillNodeFields, unpackNodes, withNodeList, withoutNodeList } from './nodeList';
import {
  assertNever,
  isHostToWebviewMessage,
  isPlanViewState,
  type CompareOpenGroups,
  type CompareTransforms,
  type HostToWebviewMessage,
  type Insight,
  type PlanNode,
  type PlanViewState,
  type TuningResult,
  type ZoomTransformState,
} from '../src/shared/protocol';
import { CompareView, sameComparison, type Comparison } from './compareView';
import { renderDetails } from './detailsPane';
import { h } from './dom';
import { nodeShare } from './heat';
import { backgroundColour, serialisePlans, svgToPng } from './exportImage';
import { DataDrawer } from './dataDrawer';
import { groupInsights, type InsightGroup } from './insightGroups';
import { renderInsights } from './insightsList';
import { PlanCanvas } from './planCanvas';
import { renderGroupDetails } from './groupDetails';
import { NodeSearch } from './nodeSearch';
import { defaultCollapsed, layoutPlan, type Grouping, type PlanLayout } from './planLayout';
import { SearchBar } from './searchBar';
import { findSiblingGroups, groupBoxId, groupIdOfBox, hiddenInGroup, type SiblingGroups } from './siblingGroups';
import { renderSummary } from './summaryHeader';
import type { VsCodeApi } from './vscodeApi';

interface Shown {
  result: TuningResult;
  title: string;
  embeddedNote: boolean;
  /** The host's name for the result (`DidShowResultNotification.resultKey`), when it gave one. */
  key?: string;
  /** How many insights there are when `result.insights` holds only the first of them (the rest follow). */
  insightsToFollow?: number;
}

/** Saving state serialises the whole result; a burst of zoom/selection changes is saved once. */
const PERSIST_DELAY_MS = 120;
/**
 * Saving a big result's state serialises every node (several hundred ms at 10,000 nodes): done after a longer
 * pause in the user's clicks and keys, when the page is idle, so it does not stall the next one (issue 13).
 */
const BIG_PLAN_NODES = 2000;
const BIG_PERSIST_DELAY_MS = 1000;

/** Owns the view state (result, selection, collapsed nodes, transform), the DOM, and the host messages. */
export class PlanViewApp {
  private shown?: Shown;
  private compare?: CompareView;
  private layout?: PlanLayout;
  private selectedId?: number;
  private collapsed = new Set<number>();
  private groups: SiblingGroups = { groups: [], byId: new Map(), byMember: new Map() };
  /** Groups the user opened (ids of their first members). */
  private expandedGroups = new Set<number>();
  private search?: NodeSearch;
  private matches: number[] = [];
  private matchIndex?: number;
  private readonly searchBar = new SearchBar({
    query: (text) => this.onQuery(text),
    next: () => this.stepMatch(1),
    previous: () => this.stepMatch(-1),
    dismissed: () => this.canvas.element.focus({ preventScroll: true }),
  });
  private persistTimer?: ReturnType<typeof setTimeout>;
  private readonly canvas: PlanCanvas;
  private readonly drawer: DataDrawer;
  private insightGroups: InsightGroup[] = [];
  private side?: HTMLElement;
  private readonly app = h('div', { className: 'app empty' });
  private readonly topbar = h('div', { className: 'topbar' });
  private readonly busy = h('div', { className: 'busy', attrs: { role: 'status', hidden: true } });
  private readonly insightsBody = h('div', { className: 'side-body' });
  private readonly detailsBody = h('div', { className: 'side-body' });
  private insightsSection = document.createElement('vscode-collapsible');
  private detailsSection = document.createElement('vscode-collapsible');

  constructor(
    private readonly api: VsCodeApi,
    private readonly host: HTMLElement,
  ) {
    this.canvas = new PlanCanvas({
      select: (id, via) => this.selectNode(id, { post: true, reveal: via === 'pointer', ensureVisible: true }),
      toggle: (id) => this.toggle(id),
      transformChanged: () => this.persistSoon(),
      fit: () => this.canvas.fitReadable(this.selectedId),
      hotPath: () => this.followHotPath(),
    });
    this.canvas.element.setAttribute(
      'aria-label',
      'Query plan tree. Arrow keys move, Enter collapses, H follows the hot path, F fits.',
    );
    for (const section of [this.insightsSection, this.detailsSection])
      section.addEventListener('vsc-collapsible-toggle', () => this.updateSideRoom());
    this.drawer = new DataDrawer(
      (id) => this.revealNode(id, true),
      // The tree's pane changed height: keep the selection in sight once the canvas has its new size.
      () =>
        requestAnimationFrame(() => {
          if (this.selectedId !== undefined) this.canvas.keepInSight(this.selectedId);
        }),
    );
  }

  start(boot?: { scriptStartMs: number }): void {
    // The busy line shows here too: the host opens the view busy when an explain starts (issue 4).
    this.app.append(this.busy, h('div', { className: 'waiting', text: 'Waiting for a plan…' }));
    this.host.append(this.app);
    const state = this.api.getState();
    if (isPlanViewState(state) && state.comparison) {
      this.showComparison(state.comparison, state.compareExpandedGroupIds, state.compareTransforms);
    } else if (isPlanViewState(state) && state.result) {
      this.show(
        {
          result: withNodeList(state.result),
          title: state.title ?? 'Query plan',
          embeddedNote: !!state.embeddedTimingsNote,
          key: state.resultKey,
        },
        state,
      );
    }
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isHostToWebviewMessage(event.data)) this.handle(event.data);
    });
    window.addEventListener('pagehide', () => this.persistNow());
    window.addEventListener('keydown', (event) => this.onGlobalKey(event));
    this.api.postMessage(
      boot
        ? { type: 'ready', boot: { scriptStartMs: boot.scriptStartMs, readyMs: performance.now() } }
        : { type: 'ready' },
    );
  }

  private handle(message: HostToWebviewMessage): void {
    switch (message.type) {
      case 'didShowResult': {
        const receivedAt = performance.now();
        const result = message.packedNodes
          ? unpackNodes(message.result, message.packedNodes)
          : withNodeList(message.result);
        const embeddedNote = message.embeddedTimingsNote === true || result.run?.sessionKind === 'embedded';
        const shown: Shown = {
          result,
          title: message.title,
          embeddedNote,
          key: message.resultKey,
          insightsToFollow: message.insightsToFollow,
        };
        const same = this.shown && sameResult(this.shown, shown);
        if (same) {
          // Re-sent after a reload or a focus change: keep where the user was.
          this.show(shown, this.viewState());
        } else {
          this.searchBar.reset();
          this.show(shown, undefined);
        }
        if (message.selectNodeId !== undefined) this.revealNode(message.selectNodeId, false);
        this.reportPaint(result.plan.nodes.length, receivedAt);
        break;
      }
      case 'didSelectNode':
        this.revealNode(message.nodeId, false);
        break;
      case 'didChangeBusy':
        this.setBusy(message.busy, message.message);
        break;
      case 'didShowComparison': {
        const { type: _type, ...data } = message;
        // Re-sent after a reload: keep the groups the user opened and where each side was.
        const same = this.compare && sameComparison(this.compare.data, data) ? this.compare : undefined;
        this.showComparison(data, same?.openGroups(), same?.transforms());
        break;
      }
      case 'didLoadNodeFields':
        this.fillFields(message.resultKey, message.fields, message.insights);
        break;
      default:
        assertNever(message, 'Unknown message from the host');
    }
  }

  private show(shown: Shown, view: Omit<PlanViewState, 'version' | 'result'> | undefined): void {
    const plan = shown.result.plan;
    this.compare = undefined;
    this.shown = shown;
    this.groups = findSiblingGroups(plan);
    this.expandedGroups = new Set((view?.expandedGroupIds ?? []).filter((id) => this.groups.byId.has(id)));
    this.collapsed = new Set(view ? view.collapsedIds : defaultCollapsed(plan, undefined, this.grouping()));
    const layout = layoutPlan(plan, this.collapsed, this.grouping());
    this.layout = layout;
    // The view opens on hotspot #1; in a plan where no node reaches a hotspot's share, on the drawn node with most
    // own time (the slowest members of a closed group are drawn).
    const hotspot =
      plan.nodes.find((n) => n.metrics.hotspotRank === 1) ??
      layout.nodes.reduce<PlanNode | undefined>(
        (best, ln) =>
          ln.group || (best !== undefined && nodeShare(plan, ln.node) <= nodeShare(plan, best)) ? best : ln.node,
        undefined,
      );
    const selected = view?.selectedNodeId ?? hotspot?.id ?? 0;
    this.selectedId = this.exists(selected) ? selected : 0;
    this.buildChrome(shown);
    // A fresh view opens fitted if the tree fits at a readable scale, else readable and centred on the #1 hotspot.
    if (view?.transform) this.canvas.show(plan, this.layout, this.selectedId, view.transform);
    else this.canvas.showReadable(plan, this.layout, this.selectedId);
    this.drawer.show(plan, this.selectedId !== undefined && this.selectedId >= 0 ? this.selectedId : undefined);
    this.renderDetails();
    // The search index is built on the first query: a 10,000-node plan's first paint does not wait for it.
    this.search = undefined;
    this.matches = this.searchBar.value ? this.searchIndex().find(this.searchBar.value) : [];
    this.matchIndex = undefined;
    this.updateHighlights();
    this.persistSoon();
  }

  /** The full fields of a result drawn from its first-paint form: the details pane and search use them. */
  private fillFields(key: string, fields: Parameters<typeof fillNodeFields>[1], insights: Insight[] | undefined): void {
    const shown = this.shown;
    if (!shown || shown.key !== key) return;
    fillNodeFields(shown.result, fields);
    if (insights && shown.insightsToFollow !== undefined) {
      shown.result = { ...shown.result, insights };
      shown.insightsToFollow = undefined;
      this.renderInsightsList(shown);
    }
    this.search = undefined;
    this.renderDetails();
    this.persistSoon();
  }

  private searchIndex(): NodeSearch {
    this.search ??= new NodeSearch(this.shown!.result.plan);
    return this.search;
  }

  /** For the host's "first paint" log: a rAF callback runs before its frame is painted, a task queued from it after. */
  private reportPaint(nodes: number, receivedAt: number): void {
    requestAnimationFrame(() =>
      setTimeout(
        () =>
          this.api.postMessage({ type: 'painted', nodes, ms: performance.now() - receivedAt, receivedMs: receivedAt }),
        0,
      ),
    );
  }

  private buildChrome(shown: Shown): void {
    const { result } = shown;
    this.app.className = 'app';
    const toolbar = this.toolbar(result);
    toolbar.prepend(this.searchBar.element);
    this.topbar.replaceChildren(renderSummary(result, shown.title, shown.embeddedNote), toolbar);

    this.insightsSection.open = true;
    this.insightsSection.className = 'insights-section';
    this.renderInsightsList(shown);
    this.insightsSection.replaceChildren(this.insightsBody);

    this.detailsSection.heading = 'Selected node';
    this.detailsSection.open = true;
    this.detailsSection.className = 'details-section-host';
    this.detailsSection.replaceChildren(this.detailsBody);

    const side = h(
      'aside',
      { className: 'side', attrs: { 'aria-label': 'Insights and node details' } },
      this.insightsSection,
      this.detailsSection,
    );
    // The tree's pane takes the room the side panes leave; collapsing a side pane gives its room back to the tree.
    const tree = h('div', { className: 'tree-pane' }, this.canvas.element, this.drawer.element);
    this.side = side;
    this.app.replaceChildren(this.topbar, this.busy, h('div', { className: 'main' }, tree, side));
    this.updateSideRoom();
  }

  /** A side pane closed gives its room to the tree: closed panes shrink to their headings. */
  private updateSideRoom(): void {
    const side = this.side;
    if (!side) return;
    const open = [this.insightsSection, this.detailsSection].filter((s) => s.open).length;
    side.classList.toggle('all-closed', open === 0);
    side.classList.toggle('one-closed', open === 1);
    requestAnimationFrame(() => {
      if (this.selectedId !== undefined) this.canvas.keepInSight(this.selectedId);
    });
  }

  private renderInsightsList(shown: Shown): void {
    const { result } = shown;
    const total = shown.insightsToFollow ?? result.insights.length;
    this.insightsSection.heading = `Insights (${total})`;
    this.insightGroups = groupInsights(result.insights, result.plan);
    const list = renderInsights(this.insightGroups, result.plan, {
      activate: (group) => this.activateInsight(group),
      selectNode: (id) => this.revealNode(id, true),
    });
    const more = total - result.insights.length;
    this.insightsBody.replaceChildren(
      list,
      ...(more > 0 ? [h('p', { className: 'muted more-insights', text: `${more} more loading…` })] : []),
    );
  }

  private toolbar(result: TuningResult): HTMLElement {
    const bar = h('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Plan actions' } });
    const button = (
      id: string,
      label: string,
      action: () => void,
      options: { secondary?: boolean; disabled?: boolean; title?: string } = {},
    ) => {
      const b = document.createElement('vscode-button');
      b.id = id;
      b.textContent = label;
      if (options.secondary !== false) b.setAttribute('secondary', '');
      if (options.disabled) b.setAttribute('disabled', '');
      if (options.title) b.title = options.title;
      b.addEventListener('click', action);
      bar.append(b);
    };
    button('fit-button', 'Fit', () => this.canvas.fitReadable(this.selectedId), {
      title: 'Fit the plan to the view, never smaller than readable (F)',
    });
    button('expand-all-button', 'Expand all', () => this.expandAll(), { title: 'Expand every collapsed subtree' });
    button('hot-path-button', 'Hot path ↓', () => this.followHotPath(), {
      title: 'Select the child with the most time, revealing it (H)',
    });
    button('copy-json-button', 'Copy plan', () => this.api.postMessage({ type: 'copyPlanJson' }), {
      title: 'Copy the raw EXPLAIN output',
    });
    button('open-report-button', 'Open report', () => this.api.postMessage({ type: 'openReport' }));
    button('share-button', 'Share', () => this.api.postMessage({ type: 'copyPlanForSharing' }), {
      title: 'Copy the plan with table, column and index names and literals replaced',
    });
    button('compare-previous-button', 'Compare', () => this.api.postMessage({ type: 'compareWithPrevious' }), {
      title: 'Compare with the previous plan of this statement',
    });
    this.exportButtons(bar);
    button('explain-again-button', 'Explain again', () => this.api.postMessage({ type: 'explainAgain' }), {
      secondary: false,
      disabled: !result.run,
    });
    return bar;
  }

  private exportButtons(bar: HTMLElement): void {
    for (const format of ['svg', 'png'] as const) {
      const b = document.createElement('vscode-button');
      b.id = `export-${format}-button`;
      b.textContent = `Export ${format.toUpperCase()}`;
      b.setAttribute('secondary', '');
      b.title = `Save the view as ${format.toUpperCase()}`;
      b.addEventListener('click', () => void this.exportImage(format));
      bar.append(b);
    }
  }

  /** Serialises the whole plan (both in compare mode) and hands it to the host to save. */
  async exportImage(format: 'svg' | 'png'): Promise<void> {
    const { text, width, height } = serialisePlans(
      this.compare ? this.compare.exportCanvases() : [this.canvas],
      backgroundColour(this.app),
    );
    const base = this.compare ? 'plan-comparison' : 'plan';
    if (format === 'svg') {
      this.api.postMessage({ type: 'exportImage', format, svgText: text, suggestedName: `${base}.svg` });
    } else {
      this.api.postMessage({
        type: 'exportImage',
        format,
        dataUrl: await svgToPng(text, width, height),
        suggestedName: `${base}.png`,
      });
    }
  }

  private showComparison(compact: Comparison, openGroups?: CompareOpenGroups, views?: CompareTransforms): void {
    const data: Comparison = { ...compact, before: withNodeList(compact.before), after: withNodeList(compact.after) };
    this.shown = undefined;
    this.layout = undefined;
    this.app.className = 'app compare-mode';
    this.compare = new CompareView(
      data,
      {
        toolbar: () => {
          const bar = h('div', {
            className: 'toolbar',
            attrs: { role: 'toolbar', 'aria-label': 'Comparison actions' },
          });
          this.exportButtons(bar);
          return bar;
        },
        changed: () => this.persistSoon(),
      },
      openGroups,
      views,
    );
    this.app.replaceChildren(this.compare.element);
    this.compare.mount();
    this.persistSoon();
  }

  private renderDetails(): void {
    const shown = this.shown;
    if (!shown) return;
    const groupId = this.selectedId === undefined ? undefined : groupIdOfBox(this.selectedId);
    const group = groupId === undefined ? undefined : this.groups.byId.get(groupId);
    if (group) {
      this.detailsBody.replaceChildren(
        renderGroupDetails(shown.result.plan, group, this.expandedGroups.has(group.id), {
          toggle: () => this.toggle(groupBoxId(group.id)),
          select: (id) => this.revealNode(id, true),
        }),
      );
      return;
    }
    const node = this.selectedId === undefined ? undefined : shown.result.plan.nodes[this.selectedId];
    this.detailsBody.replaceChildren(
      renderDetails(shown.result, node, {
        revealRange: (range, nodeId) => this.api.postMessage({ type: 'revealSqlRange', range, nodeId }),
      }),
    );
  }

  private selectNode(
    id: number,
    options: { post: boolean; reveal: boolean; ensureVisible?: boolean; center?: boolean },
  ): void {
    const shown = this.shown;
    if (!shown || !this.exists(id)) return;
    this.selectedId = id;
    this.canvas.setSelected(id);
    this.drawer.setSelected(id >= 0 ? id : undefined);
    if (options.center) this.canvas.centerOn(id);
    else if (options.ensureVisible) this.canvas.ensureVisible(id);
    this.renderDetails();
    // A group box is the view's own; the host knows plan nodes only.
    if (id < 0) return this.persistSoon();
    if (options.post) this.api.postMessage({ type: 'selectNode', nodeId: id });
    const range = shown.result.nodeRanges[id];
    if (options.reveal && range) this.api.postMessage({ type: 'revealSqlRange', range, nodeId: id });
    this.persistSoon();
  }

  /** Expands the node's ancestors and opens the groups that hide it, if needed, then selects and centres it. */
  private revealNode(id: number, post: boolean): void {
    const plan = this.shown?.result.plan;
    if (!plan || !plan.nodes[id]) return;
    let changed = false;
    for (let p = plan.nodes[id].parentId; p !== null; p = plan.nodes[p].parentId) {
      if (this.collapsed.delete(p)) changed = true;
    }
    for (let n: number | null = id; n !== null; n = plan.nodes[n].parentId) {
      const group = hiddenInGroup(this.groups, this.expandedGroups, n);
      if (group) {
        this.expandedGroups.add(group.id);
        changed = true;
      }
    }
    if (changed) this.relayout();
    this.selectNode(id, { post, reveal: false, center: true });
  }

  private activateInsight(group: InsightGroup): void {
    const shown = this.shown;
    if (!shown) return;
    const index = this.insightGroups.indexOf(group);
    this.insightsBody
      .querySelectorAll<HTMLElement>('button.insight')
      .forEach((el) => el.classList.toggle('active', Number(el.dataset.index) === index));
    const insight = group.insights[0];
    const nodeId = group.nodeIds[0] ?? insight.nodeIds.find((id) => shown.result.plan.nodes[id] !== undefined);
    if (nodeId !== undefined) this.revealNode(nodeId, true);
    const range = insight.sqlRange ?? (nodeId === undefined ? undefined : shown.result.nodeRanges[nodeId]);
    if (range) this.api.postMessage({ type: 'revealSqlRange', range, nodeId, ruleId: insight.ruleId });
  }

  private toggle(id: number): void {
    if (!this.shown) return;
    const groupId = groupIdOfBox(id);
    const set = groupId === undefined ? this.collapsed : this.expandedGroups;
    const key = groupId ?? id;
    if (!set.delete(key)) set.add(key);
    this.relayout(id);
    // Collapsing can hide the selection; it moves to the collapsed node.
    if (this.selectedId !== undefined && !this.layout?.byId.has(this.selectedId))
      this.selectNode(id, { post: true, reveal: false });
    // A selected group's details say whether it is open.
    else if (this.selectedId === id && groupId !== undefined) this.renderDetails();
    this.persistSoon();
  }

  /**
   * Moves the selection to the child of the selected node with the most inclusive time (total cost in an
   * estimate-only plan), expanding and opening groups as needed, and centres it: H follows the hot path down.
   */
  private followHotPath(): void {
    const plan = this.shown?.result.plan;
    if (!plan) return;
    const groupId = this.selectedId === undefined ? undefined : groupIdOfBox(this.selectedId);
    const group = groupId === undefined ? undefined : this.groups.byId.get(groupId);
    const weight = (n: (typeof plan.nodes)[number]) =>
      plan.analyzed ? n.metrics.inclusiveTimeMs : (n.fields['Total Cost'] ?? 0);
    const from = group ? group.members : (plan.nodes[this.selectedId ?? 0] ?? plan.root).children;
    const next = from.reduce<(typeof plan.nodes)[number] | undefined>(
      (best, n) => (best === undefined || weight(n) > weight(best) ? n : best),
      undefined,
    );
    if (next) this.revealNode(next.id, true);
  }

  private expandAll(): void {
    if (!this.shown || (this.collapsed.size === 0 && this.expandedGroups.size === this.groups.groups.length)) return;
    this.collapsed.clear();
    this.expandedGroups = new Set(this.groups.byId.keys());
    this.relayout(this.selectedId);
    this.persistSoon();
  }

  /** New layout after a collapse change; `anchorId` keeps that node where it was on screen. */
  private relayout(anchorId?: number): void {
    const shown = this.shown;
    if (!shown) return;
    const before = anchorId === undefined ? undefined : this.layout?.byId.get(anchorId);
    this.layout = layoutPlan(shown.result.plan, this.collapsed, this.grouping());
    const after = anchorId === undefined ? undefined : this.layout.byId.get(anchorId);
    const t = this.canvas.getTransform();
    const view: ZoomTransformState =
      before && after ? { k: t.k, x: t.x + (before.x - after.x) * t.k, y: t.y + (before.y - after.y) * t.k } : t;
    this.canvas.show(shown.result.plan, this.layout, this.selectedId, view);
    this.updateHighlights();
  }

  private grouping(): Grouping {
    return { groups: this.groups, expanded: this.expandedGroups };
  }

  /** A plan node's id, or a group box's (negative) id, that exists in the shown plan. */
  private exists(id: number): boolean {
    const groupId = groupIdOfBox(id);
    return groupId === undefined ? !!this.shown?.result.plan.nodes[id] : this.groups.byId.has(groupId);
  }

  private onGlobalKey(event: KeyboardEvent): void {
    if (!this.shown || event.altKey) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
      event.preventDefault();
      this.searchBar.focus();
    } else if (event.key === 'Escape' && !event.ctrlKey && !event.metaKey) {
      // Escape in the plan clears the search too (in the box, the box handles it).
      this.searchBar.clear();
    } else if (event.key === 'F3') {
      event.preventDefault();
      this.stepMatch(event.shiftKey ? -1 : 1);
    }
  }

  private onQuery(text: string): void {
    this.matches = this.shown && text ? this.searchIndex().find(text) : [];
    this.matchIndex = undefined;
    if (this.matches.length) this.goToMatch(0);
    else this.updateHighlights();
  }

  private stepMatch(step: 1 | -1): void {
    const n = this.matches.length;
    if (!n) return;
    const i = this.matchIndex === undefined ? (step > 0 ? 0 : n - 1) : (this.matchIndex + step + n) % n;
    this.goToMatch(i);
  }

  private goToMatch(i: number): void {
    this.matchIndex = i;
    this.revealNode(this.matches[i], true);
    this.updateHighlights();
  }

  /** Marks the matches, and the drawn boxes (collapsed nodes, closed groups) that hide some of them. */
  private updateHighlights(): void {
    const plan = this.shown?.result.plan;
    const layout = this.layout;
    if (!plan || !layout) return;
    const containers = new Set<number>();
    for (const id of this.matches) {
      if (layout.byId.has(id)) continue;
      for (let n: number | null = id; n !== null; n = plan.nodes[n].parentId) {
        if (n !== id && layout.byId.has(n)) {
          containers.add(n);
          break;
        }
        const group = hiddenInGroup(this.groups, this.expandedGroups, n);
        if (group && layout.byId.has(groupBoxId(group.id))) {
          containers.add(groupBoxId(group.id));
          break;
        }
      }
    }
    const current = this.matchIndex === undefined ? undefined : this.matches[this.matchIndex];
    this.canvas.setHighlights(new Set(this.matches), containers, current);
    this.searchBar.setCount(this.matchIndex, this.matches.length);
  }

  private setBusy(busy: boolean, message: string | undefined): void {
    this.busy.hidden = !busy && !message;
    this.busy.classList.toggle('error', !busy && !!message);
    const children: Node[] = [];
    if (busy) children.push(document.createElement('vscode-progress-ring'));
    children.push(document.createTextNode(message ?? (busy ? 'Explaining…' : '')));
    this.busy.replaceChildren(...children);
    this.app.querySelector('#explain-again-button')?.toggleAttribute('disabled', busy || !this.shown?.result.run);
  }

  private viewState(): Omit<PlanViewState, 'version' | 'result'> {
    return {
      selectedNodeId: this.selectedId,
      transform: this.canvas.getTransform(),
      collapsedIds: [...this.collapsed],
      expandedGroupIds: [...this.expandedGroups],
    };
  }

  private persistSoon(): void {
    if (this.persistTimer !== undefined) clearTimeout(this.persistTimer);
    const big = (this.shown?.result.plan.nodes.length ?? 0) > BIG_PLAN_NODES;
    this.persistTimer = setTimeout(
      () => {
        if (big) requestIdleCallback(() => this.persistNow(), { timeout: 2000 });
        else this.persistNow();
      },
      big ? BIG_PERSIST_DELAY_MS : PERSIST_DELAY_MS,
    );
  }

  private persistNow(): void {
    if (this.persistTimer !== undefined) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    if (this.compare) {
      this.api.setState({
        version: 1,
        collapsedIds: [],
        comparison: {
          ...this.compare.data,
          before: withoutNodeList(this.compare.data.before),
          after: withoutNodeList(this.compare.data.after),
        },
        compareExpandedGroupIds: this.compare.openGroups(),
        compareTransforms: this.compare.transforms(),
      });
      return;
    }
    const shown = this.shown;
    if (!shown) return;
    this.api.setState({
      version: 1,
      result: withoutNodeList(shown.result),
      title: shown.title,
      embeddedTimingsNote: shown.embeddedNote,
      resultKey: shown.key,
      ...this.viewState(),
    });
  }
}

/** The host names results by key; without keys (an older host) the raw plan tells them apart. */
function sameResult(a: Shown, b: Shown): boolean {
  if (a.key !== undefined && b.key !== undefined) return a.key === b.key;
  return a.result === b.result || (a.result.rawPlan === b.result.rawPlan && a.result.sql === b.result.sql);
}
