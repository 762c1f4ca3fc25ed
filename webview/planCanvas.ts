import { select, type Selection } from 'd3-selection';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { Plan, ZoomTransformState } from '../src/shared/protocol';
import { fitText, h, s } from './dom';
import { formatCost, formatCount, formatFactor, formatMs, formatPercent } from './format';
import { heatLevel, nodeShare, outputRows } from './heat';
import { nodeLabel, nodeRole } from './nodeLabel';
import { GAP_Y, NODE_HEIGHT, NODE_WIDTH, type LayoutNode, type PlanLayout } from './planLayout';
import { groupShownText, groupTitle, type SiblingGroup } from './siblingGroups';

/** Node ids, and group-box ids (negative, see siblingGroups.ts), are what the handlers receive. */
export interface PlanCanvasHandlers {
  select(nodeId: number, via: 'pointer' | 'keyboard'): void;
  /** Collapse/expand a subtree, or open/close a group. */
  toggle(nodeId: number): void;
  /** After a zoom or pan gesture settles; for persisting the view. */
  transformChanged(transform: ZoomTransformState): void;
  /** Adds to a node's (or group box's) SVG group as it is drawn (the compare view's match marks and deltas). */
  decorate?(g: SVGGElement, nodeId: number): void;
  /** F: the plan view fits at a readable scale (see `readableView`); without it, F fits the whole tree. */
  fit?(): void;
  /** H: the plan view moves the selection down the hot path. */
  hotPath?(): void;
  /** The pointer entered (id) or left (undefined) a node: the compare view highlights its match. */
  hover?(nodeId: number | undefined): void;
}

const PAD = 12;
const INNER = NODE_WIDTH - 2 * PAD;
/** World-space margin around the viewport inside which nodes are still drawn, so panning shows no gaps. */
const OVERSCAN = 160;
/** Below this scale the text is unreadable; nodes draw as coloured boxes only. */
const LOD_SCALE = 0.45;
const MIN_SCALE = 0.03;
const MAX_SCALE = 2.5;
/** The bus sits this far below the parent (half the layout's vertical gap). */
const BUS_OFFSET = GAP_Y / 2;
/**
 * A huge plan opens at this scale at least rather than fitted to an unreadable size: a box's 13 px label is then
 * 7.8 px on screen and its 12 px figures 7.2 px, the smallest still read without zooming (measured in Chromium,
 * test/unit/webview/compareZoom.test.ts); text is hidden from LOD_SCALE down.
 */
export const READABLE_SCALE = 0.6;

/**
 * The plan tree as SVG. Only nodes and edges that intersect the viewport exist in the DOM (a 2,000-node plan
 * would otherwise create tens of thousands of elements); the set is recomputed once per animation frame
 * while zooming or panning.
 */
export class PlanCanvas {
  readonly element: HTMLDivElement;
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly viewport: SVGGElement;
  private readonly edgeLayer: SVGGElement;
  private readonly nodeLayer: SVGGElement;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private transform: ZoomTransform = zoomIdentity;
  private plan?: Plan;
  private layout?: PlanLayout;
  private selectedId?: number;
  private maxRows = 1;
  private renderQueued = false;
  private readonly drawnNodes = new Map<number, SVGGElement>();
  private readonly drawnEdges = new Map<number, SVGPathElement>();
  private readonly drawnConnectors = new Map<number, SVGPathElement>();
  private fontFamily = 'sans-serif';
  private matches: ReadonlySet<number> = new Set();
  private matchContainers: ReadonlySet<number> = new Set();
  private currentMatch?: number;
  /**
   * Set while the view is the readable opening view (`showReadable`, Fit) and the user has not moved it: when
   * the canvas changes size (the header's buttons upgrade, a side pane closes, the drawer opens) the view is
   * worked out again for the new size instead of leaving the tree cut or small.
   */
  private readable?: { focusId?: number; width: number; height: number };

  constructor(private readonly handlers: PlanCanvasHandlers) {
    this.element = h('div', {
      className: 'plan-canvas',
      attrs: { tabindex: 0, role: 'tree', 'aria-label': 'Query plan tree. Arrow keys move, Enter collapses, F fits.' },
    });
    const svgEl = s('svg', { className: 'plan-svg', attrs: { 'aria-hidden': 'false' } });
    this.viewport = s('g', { className: 'viewport' });
    this.edgeLayer = s('g', { className: 'edges', attrs: { 'aria-hidden': 'true' } });
    this.nodeLayer = s('g', { className: 'nodes' });
    this.viewport.append(this.edgeLayer, this.nodeLayer);
    svgEl.append(this.viewport);
    this.element.append(svgEl);
    this.svg = select(svgEl);

    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => {
        // A gesture (wheel, drag) ends the readable view; programmatic changes carry no source event.
        if (event.sourceEvent) this.readable = undefined;
        this.transform = event.transform;
        this.viewport.setAttribute('transform', event.transform.toString());
        this.queueRender();
      })
      .on('end', () => this.handlers.transformChanged(this.getTransform()));
    this.svg.call(this.zoomBehavior).on('dblclick.zoom', null);

    this.nodeLayer.addEventListener('click', (event) => this.onClick(event));
    if (handlers.hover) {
      const hover = handlers.hover;
      this.nodeLayer.addEventListener('pointerover', (event) => {
        const g = (event.target as Element | null)?.closest<SVGGElement>('g.node');
        if (g) hover(Number(g.dataset.nodeId));
      });
      this.nodeLayer.addEventListener('pointerleave', () => hover(undefined));
    }
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    new ResizeObserver(() => {
      const r = this.readable;
      const { width, height } = this.size();
      if (r && this.layout && (r.width !== width || r.height !== height)) this.applyReadable(r.focusId);
      this.queueRender();
    }).observe(this.element);
  }

  /**
   * Draws a (new) layout. `view` is the transform to show it with, or 'fit' to fit it (readable scale at
   * least, for huge plans); applied before drawing so the first paint is already the right part.
   */
  show(plan: Plan, layout: PlanLayout, selectedId: number | undefined, view: ZoomTransformState | 'fit'): void {
    if (this.plan !== plan) {
      this.fontFamily = getComputedStyle(this.element).fontFamily || 'sans-serif';
      this.maxRows = Math.max(1, ...plan.nodes.map((n) => outputRows(plan, n)));
    }
    this.plan = plan;
    this.layout = layout;
    this.selectedId = selectedId;
    // Node contents depend on the collapsed state, so a new layout redraws from scratch.
    this.nodeLayer.replaceChildren();
    this.edgeLayer.replaceChildren();
    this.drawnNodes.clear();
    this.drawnEdges.clear();
    this.drawnConnectors.clear();
    if (view === 'fit') this.fit(READABLE_SCALE);
    else this.setTransform(view);
    this.render();
  }

  setSelected(nodeId: number | undefined): void {
    if (this.selectedId !== undefined) this.drawnNodes.get(this.selectedId)?.classList.remove('selected');
    this.drawnNodes.get(this.selectedId ?? -1)?.setAttribute('aria-selected', 'false');
    this.selectedId = nodeId;
    const g = nodeId === undefined ? undefined : this.drawnNodes.get(nodeId);
    g?.classList.add('selected');
    g?.setAttribute('aria-selected', 'true');
    this.updateActiveDescendant();
  }

  /**
   * Search highlights: `matches` are matching nodes, `containers` are drawn boxes (collapsed nodes, closed
   * groups) that hide a match, `current` is the match the user is on.
   */
  setHighlights(matches: ReadonlySet<number>, containers: ReadonlySet<number>, current: number | undefined): void {
    this.matches = matches;
    this.matchContainers = containers;
    this.currentMatch = current;
    for (const [id, g] of this.drawnNodes) this.applyHighlight(g, id);
  }

  private applyHighlight(g: SVGGElement, id: number): void {
    g.classList.toggle('match', this.matches.has(id));
    g.classList.toggle('match-current', id === this.currentMatch);
    g.classList.toggle('has-match', this.matchContainers.has(id));
  }

  getTransform(): ZoomTransformState {
    const { x, y, k } = this.transform;
    return { x, y, k };
  }

  setTransform(t: ZoomTransformState): void {
    this.readable = undefined;
    this.svg.call(this.zoomBehavior.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
  }

  /** Fits the visible tree; with `minScale`, a tree too big to read at that scale is shown from the top. */
  fit(minScale = MIN_SCALE): void {
    if (!this.layout) return;
    this.setTransform(this.fitView(this.layout, minScale).view);
  }

  /**
   * The view that fits `layout` in this canvas (`whole`), or, when that needs a scale below `minScale`, the view at
   * `minScale` from the tree's top, centred on the root; if the box `focusId` is out of sight there, centred
   * across on it instead, and moved up just enough to show it when it lies below the view.
   */
  fitView(layout: PlanLayout, minScale: number, focusId?: number): { view: ZoomTransformState; whole: boolean } {
    const { width, height } = this.size();
    const b = layout.bounds;
    const margin = 24;
    const bw = b.x1 - b.x0 + 2 * margin;
    const bh = b.y1 - b.y0 + 2 * margin + 16;
    const k = Math.min(width / bw, height / bh, 1.1);
    if (k >= minScale) {
      return {
        view: { x: width / 2 - ((b.x0 + b.x1) / 2) * k, y: height / 2 - ((b.y0 + b.y1) / 2) * k, k },
        whole: true,
      };
    }
    const least = Math.max(MIN_SCALE, minScale);
    const top = margin + 16 - b.y0 * least;
    const root = layout.nodes[0];
    const fromTop: ZoomTransformState = { x: width / 2 - root.x * least, y: top, k: least };
    const focus = focusId === undefined ? undefined : layout.byId.get(focusId);
    if (!focus) return { view: fromTop, whole: false };
    const centre = focus.x * least + fromTop.x;
    const across = centre - (NODE_WIDTH / 2) * least >= 8 && centre + (NODE_WIDTH / 2) * least <= width - 8;
    // Up only as far as it takes: what lies above the focus (its parents, the root) is what explains it.
    const below = top + (focus.y + NODE_HEIGHT + 20) * least - (height - 8);
    const x = across ? fromTop.x : width / 2 - focus.x * least;
    return { view: { x, y: below > 0 ? top - below : top, k: least }, whole: false };
  }

  /**
   * How the plan view opens a plan and what Fit does there: the whole tree when it fits at a readable scale
   * (`READABLE_SCALE` at least, never more than 1.1), else the readable scale centred on `focusId` (the #1
   * hotspot, or the selection), from the tree's top when there is no focus: the view pans instead of shrinking
   * labels to empty boxes (issue 13).
   */
  readableView(layout: PlanLayout, focusId: number | undefined): ZoomTransformState {
    const fitted = this.fitView(layout, READABLE_SCALE);
    if (fitted.whole) return fitted.view;
    const focus = focusId === undefined ? undefined : layout.byId.get(focusId);
    if (!focus) return fitted.view;
    const { width, height } = this.size();
    const k = READABLE_SCALE;
    return { x: width / 2 - focus.x * k, y: height / 2 - (focus.y + NODE_HEIGHT / 2) * k, k };
  }

  /** Fit in the plan view (F, the Fit button): see `readableView`; kept so across size changes until the user moves. */
  fitReadable(focusId: number | undefined): void {
    if (this.layout) this.applyReadable(focusId);
  }

  /** Draws a new layout in the readable view (see `readableView`), kept so across size changes until the user moves. */
  showReadable(plan: Plan, layout: PlanLayout, selectedId: number | undefined): void {
    this.show(plan, layout, selectedId, this.readableView(layout, selectedId));
    this.readable = { focusId: selectedId, ...this.size() };
  }

  private applyReadable(focusId: number | undefined): void {
    this.setTransform(this.readableView(this.layout!, focusId));
    this.readable = { focusId, ...this.size() };
  }

  centerOn(nodeId: number): void {
    const ln = this.layout?.byId.get(nodeId);
    if (!ln) return;
    const { width, height } = this.size();
    const k = Math.max(this.transform.k, 0.6);
    this.setTransform({ x: width / 2 - ln.x * k, y: height / 2 - (ln.y + NODE_HEIGHT / 2) * k, k });
  }

  /** After the canvas changed size: the readable view re-fits by itself; any other view pans to keep the node. */
  keepInSight(nodeId: number): void {
    if (!this.readable) this.ensureVisible(nodeId);
  }

  /** Pans the least needed to bring the node fully into view. */
  ensureVisible(nodeId: number): void {
    const ln = this.layout?.byId.get(nodeId);
    if (!ln) return;
    const { width, height } = this.size();
    const { x, y, k } = this.transform;
    const left = (ln.x - NODE_WIDTH / 2) * k + x;
    const right = (ln.x + NODE_WIDTH / 2) * k + x;
    const top = (ln.y - 20) * k + y;
    const bottom = (ln.y + NODE_HEIGHT + 14) * k + y;
    if (right - left > width || bottom - top > height) return this.centerOn(nodeId);
    const margin = 16;
    let dx = 0;
    let dy = 0;
    if (left < margin) dx = margin - left;
    else if (right > width - margin) dx = width - margin - right;
    if (top < margin) dy = margin - top;
    else if (bottom > height - margin) dy = height - margin - bottom;
    if (dx || dy) this.setTransform({ x: x + dx, y: y + dy, k });
  }

  zoomBy(factor: number): void {
    this.svg.call(this.zoomBehavior.scaleBy, factor);
  }

  /** The drawn group of a node, when it is in view. */
  nodeElement(nodeId: number): SVGGElement | undefined {
    return this.drawnNodes.get(nodeId);
  }

  /** The SVG element (for export). */
  svgElement(): SVGSVGElement {
    return this.svg.node()!;
  }

  /**
   * Draws every node and edge of `layout` (not only those in view) into a second SVG at scale 1, its top-left
   * corner `margin` from the bounds, and hands it to `use`. The SVG sits inside the canvas while `use` runs so
   * the stylesheet applies to it as to the view (not displayed: nothing shows or takes a click), and is
   * removed after. For export: `use` reads its computed styles.
   */
  withWholeDrawing<T>(
    layout: PlanLayout,
    margin: number,
    use: (svg: SVGSVGElement, width: number, height: number) => T,
  ): T {
    const plan = this.plan;
    if (!plan) throw new Error('nothing to draw');
    const b = layout.bounds;
    // Room for the role line above a box and the toggle's "hidden" text below it.
    const width = Math.ceil(b.x1 - b.x0 + 2 * margin);
    const height = Math.ceil(b.y1 - b.y0 + 2 * margin + 24);
    const svg = s('svg', { className: 'plan-svg', attrs: { 'aria-hidden': 'true' } });
    // Not displayed: styles compute for it, but nothing lays out or shapes its thousands of texts.
    svg.style.setProperty('display', 'none');
    const viewport = s('g', {
      className: 'viewport',
      attrs: { transform: `translate(${margin - b.x0},${margin + 16 - b.y0})` },
    });
    const edges = s('g', { className: 'edges' });
    const nodes = s('g', { className: 'nodes' });
    for (const ln of layout.nodes) {
      if (ln.parent) edges.append(this.drawEdge(plan, ln));
      if (ln.children.length) edges.append(this.drawConnector(plan, ln));
      const g = ln.group ? this.drawGroup(plan, ln, ln.group) : this.drawNode(plan, ln);
      this.handlers.decorate?.(g, ln.id);
      this.applyHighlight(g, ln.id);
      nodes.append(g);
    }
    viewport.append(edges, nodes);
    svg.append(viewport);
    // The view hides text when zoomed far out; the whole drawing is at scale 1.
    const lod = this.element.classList.contains('lod-low');
    this.element.classList.remove('lod-low');
    this.element.append(svg);
    try {
      return use(svg, width, height);
    } finally {
      svg.remove();
      this.element.classList.toggle('lod-low', lod);
    }
  }

  /** The plan and layout drawn now. */
  shown(): { plan: Plan; layout: PlanLayout } | undefined {
    return this.plan && this.layout ? { plan: this.plan, layout: this.layout } : undefined;
  }

  /** How many node groups are in the DOM now (for tests and the benchmark). */
  drawnNodeCount(): number {
    return this.drawnNodes.size;
  }

  private size(): { width: number; height: number } {
    return { width: this.element.clientWidth || 800, height: this.element.clientHeight || 600 };
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
    const layout = this.layout;
    const plan = this.plan;
    if (!layout || !plan) return;
    const { width, height } = this.size();
    const { x, y, k } = this.transform;
    const vx0 = -x / k - OVERSCAN;
    const vy0 = -y / k - OVERSCAN;
    const vx1 = (width - x) / k + OVERSCAN;
    const vy1 = (height - y) / k + OVERSCAN;
    this.element.classList.toggle('lod-low', k < LOD_SCALE);

    const wantNodes = new Set<number>();
    const wantEdges = new Set<number>();
    const wantConnectors = new Set<number>();
    for (const ln of layout.nodes) {
      const nx0 = ln.x - NODE_WIDTH / 2;
      const nx1 = ln.x + NODE_WIDTH / 2;
      if (nx1 >= vx0 && nx0 <= vx1 && ln.y + NODE_HEIGHT + 20 >= vy0 && ln.y - 20 <= vy1) wantNodes.add(ln.id);
      // Edges are drawn org-chart style: a stem down from the parent, a horizontal bus over its children, and a
      // drop to each child; a fan of hundreds of children then stays one clean bus, and each piece is culled
      // by its own box.
      const p = ln.parent;
      if (p) {
        const busY = p.y + NODE_HEIGHT + BUS_OFFSET;
        if (ln.x >= vx0 && ln.x <= vx1 && ln.y >= vy0 && busY <= vy1) wantEdges.add(ln.id);
      }
      if (ln.children.length) {
        const busY = ln.y + NODE_HEIGHT + BUS_OFFSET;
        const cx0 = Math.min(ln.x, ln.children[0].x);
        const cx1 = Math.max(ln.x, ln.children[ln.children.length - 1].x);
        if (cx1 >= vx0 && cx0 <= vx1 && busY >= vy0 && ln.y + NODE_HEIGHT <= vy1) wantConnectors.add(ln.id);
      }
    }
    for (const [id, g] of this.drawnNodes) {
      if (!wantNodes.has(id)) {
        g.remove();
        this.drawnNodes.delete(id);
      }
    }
    for (const [id, path] of this.drawnEdges) {
      if (!wantEdges.has(id)) {
        path.remove();
        this.drawnEdges.delete(id);
      }
    }
    const newEdges: SVGPathElement[] = [];
    for (const id of wantEdges) {
      if (this.drawnEdges.has(id)) continue;
      const path = this.drawEdge(plan, layout.byId.get(id)!);
      this.drawnEdges.set(id, path);
      newEdges.push(path);
    }
    for (const [id, path] of this.drawnConnectors) {
      if (!wantConnectors.has(id)) {
        path.remove();
        this.drawnConnectors.delete(id);
      }
    }
    for (const id of wantConnectors) {
      if (this.drawnConnectors.has(id)) continue;
      const path = this.drawConnector(plan, layout.byId.get(id)!);
      this.drawnConnectors.set(id, path);
      newEdges.push(path);
    }
    if (newEdges.length) this.edgeLayer.append(...newEdges);
    const newNodes: SVGGElement[] = [];
    for (const id of wantNodes) {
      if (this.drawnNodes.has(id)) continue;
      const ln = layout.byId.get(id)!;
      const g = ln.group ? this.drawGroup(plan, ln, ln.group) : this.drawNode(plan, ln);
      this.handlers.decorate?.(g, id);
      this.applyHighlight(g, id);
      this.drawnNodes.set(id, g);
      newNodes.push(g);
    }
    if (newNodes.length) this.nodeLayer.append(...newNodes);
    this.updateActiveDescendant();
  }

  private updateActiveDescendant(): void {
    const g = this.selectedId === undefined ? undefined : this.drawnNodes.get(this.selectedId);
    if (g) {
      this.element.setAttribute('aria-activedescendant', g.id);
    } else {
      this.element.removeAttribute('aria-activedescendant');
    }
  }

  private edgeWidth(rows: number): number {
    // A group's summed rows can pass the largest single node's.
    return 1.25 + 10 * Math.min(1, Math.log1p(rows) / Math.log1p(this.maxRows));
  }

  private rowsOf(plan: Plan, ln: LayoutNode): number {
    return ln.group ? ln.group.totals.rows : outputRows(plan, ln.node);
  }

  private heatOf(plan: Plan, ln: LayoutNode): number {
    return heatLevel(ln.group ? ln.group.totals.share : nodeShare(plan, ln.node));
  }

  /** The drop into a child; its thickness tells how many rows flow from the child to its parent. */
  private drawEdge(plan: Plan, child: LayoutNode): SVGPathElement {
    const busY = child.parent!.y + NODE_HEIGHT + BUS_OFFSET;
    const rows = this.rowsOf(plan, child);
    const path = s('path', {
      className: `edge heat-${this.heatOf(plan, child)}`,
      attrs: { d: `M${child.x},${busY}V${child.y}`, 'data-rows': rows },
    });
    path.style.strokeWidth = `${this.edgeWidth(rows).toFixed(2)}px`;
    return path;
  }

  /** The parent's stem and the bus over its children. */
  private drawConnector(plan: Plan, parent: LayoutNode): SVGPathElement {
    const busY = parent.y + NODE_HEIGHT + BUS_OFFSET;
    const first = parent.children[0].x;
    const last = parent.children[parent.children.length - 1].x;
    const rows = parent.children.reduce((sum, c) => sum + this.rowsOf(plan, c), 0);
    const path = s('path', {
      className: 'connector',
      attrs: { d: `M${parent.x},${parent.y + NODE_HEIGHT}V${busY}M${first},${busY}H${last}` },
    });
    path.style.strokeWidth = `${Math.min(this.edgeWidth(rows), 4).toFixed(2)}px`;
    return path;
  }

  private drawNode(plan: Plan, ln: LayoutNode): SVGGElement {
    const node = ln.node;
    const m = node.metrics;
    const share = nodeShare(plan, node);
    const heat = heatLevel(share);
    const label = nodeLabel(node.fields);
    const role = nodeRole(node.fields);
    const selected = node.id === this.selectedId;
    const classes = ['node', `heat-${heat}`];
    if (selected) classes.push('selected');
    if (m.neverExecuted) classes.push('never-executed');

    const ariaParts = [label];
    if (plan.analyzed) ariaParts.push(`${formatMs(m.exclusiveTimeMs)} self, ${formatPercent(share)} of execution`);
    if (m.hotspotRank !== undefined) ariaParts.push(`hotspot number ${m.hotspotRank}`);
    if (ln.collapsed) ariaParts.push(`${ln.hiddenCount} nodes hidden`);

    const g = s('g', {
      className: classes.join(' '),
      attrs: {
        id: `plan-node-${node.id}`,
        'data-node-id': node.id,
        transform: `translate(${ln.x - NODE_WIDTH / 2},${ln.y})`,
        role: 'treeitem',
        'aria-level': ln.level,
        'aria-selected': selected ? 'true' : 'false',
        'aria-expanded': node.children.length ? String(!ln.collapsed) : undefined,
        'aria-label': ariaParts.join(', '),
      },
    });
    g.append(s('rect', { className: 'box', attrs: { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 } }));
    g.append(s('rect', { className: 'stripe', attrs: { width: 4, height: NODE_HEIGHT - 12, x: 0, y: 6, rx: 2 } }));
    if (role) g.append(s('text', { className: 'role', text: role, attrs: { x: 2, y: -6 } }));

    const badgeWidth = m.hotspotRank !== undefined ? 34 : 0;
    const labelFont = `600 13px ${this.fontFamily}`;
    g.append(
      s('text', { className: 'label', text: fitText(label, INNER - badgeWidth, labelFont), attrs: { x: PAD, y: 22 } }),
    );

    const detailFont = `12px ${this.fontFamily}`;
    if (plan.analyzed) {
      g.append(
        s(
          'text',
          { className: 'detail time', attrs: { x: PAD, y: 42 } },
          s('tspan', { className: 'self', text: formatMs(m.exclusiveTimeMs) }),
          s('tspan', { className: 'muted', text: ` · ${formatPercent(share)}` }),
        ),
        s('text', {
          className: 'detail muted',
          text: `incl ${formatMs(m.inclusiveTimeMs)}`,
          attrs: { x: NODE_WIDTH - PAD, y: 42, 'text-anchor': 'end' },
        }),
      );
    } else {
      g.append(
        s(
          'text',
          { className: 'detail time', attrs: { x: PAD, y: 42 } },
          s('tspan', { className: 'self', text: `cost ${formatCost(m.exclusiveCost)}` }),
          s('tspan', { className: 'muted', text: ` · ${formatPercent(share)}` }),
        ),
        s('text', {
          className: 'detail muted',
          text: `total ${formatCost(node.fields['Total Cost'])}`,
          attrs: { x: NODE_WIDTH - PAD, y: 42, 'text-anchor': 'end' },
        }),
      );
    }
    g.append(s('rect', { className: 'bar-bg', attrs: { x: PAD, y: 50, width: INNER, height: 5, rx: 2.5 } }));
    g.append(
      s('rect', {
        className: 'bar',
        attrs: { x: PAD, y: 50, width: Math.max(share > 0 ? 2 : 0, share * INNER), height: 5, rx: 2.5 },
      }),
    );

    const rowsText = s('text', { className: 'detail rows', attrs: { x: PAD, y: 73 } });
    if (plan.analyzed && !m.neverExecuted) {
      rowsText.append(
        s('tspan', { text: `${formatCount(m.actualRowsTotal)} ${m.actualRowsTotal === 1 ? 'row' : 'rows'}` }),
        s('tspan', { className: 'muted', text: ` · est ${formatCount(m.estimatedRowsTotal)}` }),
      );
      if (m.misestimateFactor >= 2) {
        const up = m.misestimateDirection === 'under';
        rowsText.append(
          s('tspan', {
            className: `misestimate ${m.misestimateFactor >= 10 ? 'severe' : 'mild'}`,
            text: `  ${up ? '↑' : '↓'} ${formatFactor(m.misestimateFactor)}`,
          }),
        );
      }
    } else if (m.neverExecuted) {
      rowsText.append(s('tspan', { className: 'muted', text: 'never executed' }));
    } else {
      rowsText.append(s('tspan', { text: `est ${formatCount(node.fields['Plan Rows'])} rows` }));
    }
    g.append(rowsText);

    const meta: string[] = [];
    const loops = node.fields['Actual Loops'];
    if (plan.analyzed && loops !== undefined && loops !== 1) meta.push(`loops ${formatCount(loops)}`);
    const b = m.buffersExclusive;
    const hit = b.sharedHit + b.localHit;
    const read = b.sharedRead + b.localRead + b.tempRead;
    if (hit || read) meta.push(`buf ${formatCount(hit)} hit${read ? ` · ${formatCount(read)} read` : ''}`);
    if (!plan.analyzed && node.fields['Plan Width'] !== undefined) meta.push(`width ${node.fields['Plan Width']}`);
    if (m.underGather) meta.push('parallel');
    g.append(
      s('text', {
        className: 'detail muted meta',
        text: fitText(meta.join(' · ') || ' ', INNER, detailFont),
        attrs: { x: PAD, y: 92 },
      }),
    );

    if (m.hotspotRank !== undefined) {
      const badge = s('g', {
        className: `hotspot rank-${Math.min(m.hotspotRank, 4)}`,
        attrs: { transform: `translate(${NODE_WIDTH - PAD - 30},9)` },
      });
      badge.append(
        s('rect', { attrs: { width: 30, height: 18, rx: 9 } }),
        s('text', { text: `#${m.hotspotRank}`, attrs: { x: 15, y: 13, 'text-anchor': 'middle' } }),
      );
      g.append(badge);
    }
    if (node.children.length) {
      const toggle = s('g', {
        className: `toggle${ln.collapsed ? ' collapsed' : ''}`,
        attrs: { transform: `translate(${NODE_WIDTH / 2},${NODE_HEIGHT})`, 'aria-hidden': 'true' },
      });
      toggle.append(
        s('circle', { attrs: { r: 9 } }),
        s('path', { attrs: { d: ln.collapsed ? 'M-4,0H4M0,-4V4' : 'M-4,0H4' } }),
      );
      if (ln.collapsed)
        toggle.append(
          s('text', { className: 'hidden-count', text: `${ln.hiddenCount} hidden`, attrs: { x: 14, y: 4 } }),
        );
      g.append(toggle);
    }
    return g;
  }

  /** A run of similar siblings as one box: count, summed figures, and the toggle that shows every member. */
  private drawGroup(plan: Plan, ln: LayoutNode, group: SiblingGroup): SVGGElement {
    const t = group.totals;
    const open = !ln.collapsed;
    const title = groupTitle(group);
    const shownText = groupShownText(group, open);
    const selected = ln.id === this.selectedId;
    const classes = ['node', 'group', `heat-${heatLevel(t.share)}`];
    if (selected) classes.push('selected');
    const ariaParts = [title, 'group of similar siblings', shownText];
    if (plan.analyzed) ariaParts.push(`${formatMs(t.timeMs)} in all, ${formatPercent(t.share)} of execution`);
    const g = s('g', {
      className: classes.join(' '),
      attrs: {
        id: `plan-group-${group.id}`,
        'data-node-id': ln.id,
        'data-group-id': group.id,
        transform: `translate(${ln.x - NODE_WIDTH / 2},${ln.y})`,
        role: 'treeitem',
        'aria-level': ln.level,
        'aria-selected': selected ? 'true' : 'false',
        'aria-expanded': String(open),
        'aria-label': ariaParts.join(', '),
      },
    });
    // Two offset outlines behind the box read as "a stack of many".
    g.append(
      s('rect', { className: 'stack', attrs: { x: 8, y: -8, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 } }),
      s('rect', { className: 'stack', attrs: { x: 4, y: -4, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 } }),
      s('rect', { className: 'box', attrs: { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 } }),
      s('rect', { className: 'stripe', attrs: { width: 4, height: NODE_HEIGHT - 12, x: 0, y: 6, rx: 2 } }),
    );
    const role = nodeRole(group.members[0].fields);
    if (role)
      g.append(s('text', { className: 'role', text: `${role} ×${group.members.length}`, attrs: { x: 2, y: -12 } }));
    const labelFont = `600 13px ${this.fontFamily}`;
    const detailFont = `12px ${this.fontFamily}`;
    g.append(s('text', { className: 'label', text: fitText(title, INNER, labelFont), attrs: { x: PAD, y: 22 } }));
    g.append(
      s(
        'text',
        { className: 'detail time', attrs: { x: PAD, y: 42 } },
        s('tspan', {
          className: 'self',
          text: plan.analyzed ? `Σ ${formatMs(t.timeMs)}` : `Σ cost ${formatCost(t.cost)}`,
        }),
        s('tspan', { className: 'muted', text: ` · ${formatPercent(t.share)}` }),
      ),
    );
    g.append(s('rect', { className: 'bar-bg', attrs: { x: PAD, y: 50, width: INNER, height: 5, rx: 2.5 } }));
    g.append(
      s('rect', {
        className: 'bar',
        attrs: { x: PAD, y: 50, width: Math.max(t.share > 0 ? 2 : 0, t.share * INNER), height: 5, rx: 2.5 },
      }),
    );
    const figures = [`Σ ${formatCount(t.rows)} ${plan.analyzed ? 'rows' : 'rows est'}`];
    if (t.hitBlocks || t.readBlocks)
      figures.push(`buf ${formatCount(t.hitBlocks)} hit${t.readBlocks ? ` · ${formatCount(t.readBlocks)} read` : ''}`);
    g.append(
      s('text', {
        className: 'detail rows',
        text: fitText(figures.join(' · '), INNER, detailFont),
        attrs: { x: PAD, y: 73 },
      }),
    );
    g.append(
      s('text', {
        className: 'detail muted meta shown',
        text: fitText(`(${shownText})`, INNER, detailFont),
        attrs: { x: PAD, y: 92 },
      }),
    );
    const toggle = s('g', {
      className: `toggle${open ? '' : ' collapsed'}`,
      attrs: { transform: `translate(${NODE_WIDTH / 2},${NODE_HEIGHT})`, 'aria-hidden': 'true' },
    });
    toggle.append(
      s('circle', { attrs: { r: 9 } }),
      s('path', { attrs: { d: open ? 'M-4,0H4' : 'M-4,0H4M0,-4V4' } }),
      s('text', {
        className: 'hidden-count',
        text: open ? 'show slowest only' : `+${formatCount(ln.hiddenCount)} more`,
        attrs: { x: 14, y: 4 },
      }),
    );
    g.append(toggle);
    return g;
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as Element | null;
    const g = target?.closest<SVGGElement>('g.node');
    if (!g) return;
    const id = Number(g.dataset.nodeId);
    this.element.focus({ preventScroll: true });
    if (target?.closest('g.toggle')) this.handlers.toggle(id);
    else this.handlers.select(id, 'pointer');
  }

  private onKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const layout = this.layout;
    if (!layout) return;
    const current = layout.byId.get(this.selectedId ?? -1) ?? layout.nodes[0];
    let next: LayoutNode | undefined;
    switch (event.key) {
      case 'ArrowUp':
        next = current.parent;
        break;
      case 'ArrowDown':
        next = current.children[0];
        break;
      case 'ArrowLeft':
      case 'ArrowRight': {
        const siblings = current.parent?.children ?? [];
        const i = siblings.indexOf(current);
        next = siblings[i + (event.key === 'ArrowLeft' ? -1 : 1)];
        break;
      }
      case 'Home':
        next = layout.nodes[0];
        break;
      case 'Enter':
      case ' ':
        event.preventDefault();
        if (current.group || current.node.children.length) this.handlers.toggle(current.id);
        return;
      case 'f':
      case 'F':
        event.preventDefault();
        if (this.handlers.fit) this.handlers.fit();
        else this.fit();
        return;
      case 'h':
      case 'H':
        if (!this.handlers.hotPath) return;
        event.preventDefault();
        this.handlers.hotPath();
        return;
      case '+':
      case '=':
        this.zoomBy(1.25);
        return;
      case '-':
        this.zoomBy(0.8);
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next) this.handlers.select(next.id, 'keyboard');
  }
}
