// The plan view's stylesheet, adopted as a constructable stylesheet: no <style> element or style attribute
// is needed, so the host's CSP can stay `style-src ${webview.cspSource}` with no 'unsafe-inline'.
// Colours come only from VS Code's theme variables, so light, dark and high-contrast themes all work.

const css = `
:root {
  --pv-bg: var(--vscode-editor-background);
  --pv-fg: var(--vscode-foreground);
  --pv-muted: var(--vscode-descriptionForeground);
  --pv-border: var(--vscode-panel-border, var(--vscode-widget-border, rgba(128,128,128,.35)));
  --pv-widget: var(--vscode-editorWidget-background, var(--vscode-editor-background));
  --pv-side: var(--vscode-sideBar-background, var(--vscode-editor-background));
  --pv-red: var(--vscode-charts-red);
  --pv-orange: var(--vscode-charts-orange);
  --pv-yellow: var(--vscode-charts-yellow);
  --pv-green: var(--vscode-charts-green);
  --pv-blue: var(--vscode-charts-blue);
  --pv-focus: var(--vscode-focusBorder);
  --pv-contrast: var(--vscode-contrastBorder, transparent);
  --pv-active: var(--vscode-contrastActiveBorder, var(--vscode-focusBorder));
}
html, body { height: 100%; margin: 0; padding: 0; }
body {
  background: var(--pv-bg); color: var(--pv-fg);
  font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px);
  overflow: hidden;
}
.app { display: flex; flex-direction: column; height: 100vh; }
.waiting { margin: auto; color: var(--pv-muted); padding: 32px; }
.muted { color: var(--pv-muted); }
.small { font-size: 11px; }

/* header */
.topbar { display: flex; align-items: flex-start; gap: 16px; padding: 12px 16px 10px; border-bottom: 1px solid var(--pv-border); }
.summary { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 6px; }
.title { font-size: 15px; font-weight: 600; margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stats { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0; }
.stat { display: flex; flex-direction: column; }
.stat dt { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--pv-muted); }
.stat dd { margin: 0; font-size: 13px; font-variant-numeric: tabular-nums; }
.stat.primary dd { font-size: 18px; font-weight: 600; }
.where { font-size: 12px; }
.note { border-left: 3px solid var(--pv-orange); padding: 5px 10px; border-radius: 3px;
  background: color-mix(in srgb, var(--pv-orange) 12%, transparent); font-size: 12px; }
.note.estimate-note { border-left-color: var(--pv-blue); background: color-mix(in srgb, var(--pv-blue) 10%, transparent); }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; justify-content: flex-end; max-width: 45%; }
.busy { display: flex; align-items: center; gap: 8px; padding: 4px 16px; font-size: 12px; color: var(--pv-muted); }
.busy[hidden] { display: none; }
.busy.error { color: var(--vscode-errorForeground, var(--pv-red)); }

/* main area */
.main { display: flex; flex: 1; min-height: 0; }
/* The tree's pane: the canvas takes whatever the side panes, the header and the drawer leave (issue 13). */
.tree-pane { flex: 1; min-width: 0; min-height: 0; display: flex; flex-direction: column; }
.tree-pane > .plan-canvas { min-height: 120px; }
.plan-canvas { position: relative; flex: 1; min-width: 0; overflow: hidden; outline: none; cursor: grab;
  background-image: radial-gradient(color-mix(in srgb, var(--pv-fg) 9%, transparent) 1px, transparent 1px);
  background-size: 22px 22px; }
.plan-canvas:active { cursor: grabbing; }
.plan-canvas:focus-visible { outline: 1px solid var(--pv-focus); outline-offset: -1px; }
.plan-svg { width: 100%; height: 100%; display: block; font-family: var(--vscode-font-family); }
.legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 11px; color: var(--pv-muted); padding: 0 4px; }
.legend span::before { content: ''; display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; background: var(--sw); }
.legend .l4 { --sw: var(--pv-red); } .legend .l3 { --sw: var(--pv-orange); } .legend .l2 { --sw: var(--pv-yellow); } .legend .l1 { --sw: var(--pv-green); }

/* The drawer under the tree: the legend and the tabs of the grid and totals views. */
.drawer { flex: none; display: flex; flex-direction: column; border-top: 1px solid var(--pv-border); min-height: 0; }
.drawer.open { flex: 0 0 40%; min-height: 140px; }
.drawer-strip { display: flex; align-items: center; justify-content: space-between; flex-wrap: wrap; gap: 2px 8px; padding: 2px 8px; }
.drawer-tabs { display: flex; gap: 2px; }
.drawer-tab { background: none; border: none; border-bottom: 2px solid transparent; color: var(--pv-muted); font: inherit;
  font-size: 12px; padding: 3px 8px; cursor: pointer; }
.drawer-tab:hover { color: var(--pv-fg); }
.drawer-tab[aria-selected="true"] { color: var(--pv-fg); border-bottom-color: var(--pv-focus); }
.drawer-tab:focus-visible { outline: 1px solid var(--pv-focus); outline-offset: -1px; }
.drawer-body { flex: 1; min-height: 0; display: flex; }
.drawer-body[hidden] { display: none; }
.grid-scroll { flex: 1; min-width: 0; overflow: auto; outline: none; }
.grid-scroll:focus-visible { outline: 1px solid var(--pv-focus); outline-offset: -1px; }
table.node-grid { border-collapse: separate; border-spacing: 0; min-width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
table.node-grid thead th { position: sticky; top: 0; z-index: 1; background: var(--pv-bg); text-align: right; padding: 0;
  border-bottom: 1px solid var(--pv-border); font-weight: 600; white-space: nowrap; }
table.node-grid thead th.col-node, table.node-grid thead th:first-child:not(.col-id) { text-align: left; }
table.totals thead th { padding: 3px 8px; font-size: 11px; color: var(--pv-muted); }
table.totals thead th:first-child { text-align: left; }
.sort-button { background: none; border: none; color: var(--pv-muted); font: inherit; font-size: 11px; padding: 3px 8px; cursor: pointer; white-space: nowrap; }
.sort-button:hover { color: var(--pv-fg); }
th[aria-sort="ascending"] .sort-button, th[aria-sort="descending"] .sort-button { color: var(--pv-fg); }
.sort-button:focus-visible { outline: 1px solid var(--pv-focus); outline-offset: -1px; }
table.node-grid tbody tr { height: 24px; cursor: pointer; }
table.node-grid tbody tr.grid-spacer { cursor: default; }
table.node-grid td { padding: 0 8px; white-space: nowrap; text-align: right; border-bottom: 1px solid color-mix(in srgb, var(--pv-border) 50%, transparent); }
table.node-grid td.col-node, table.totals td:first-child { text-align: left; max-width: 340px; overflow: hidden; text-overflow: ellipsis; }
table.node-grid td.col-id { color: var(--pv-muted); }
table.node-grid tbody tr:hover { background: var(--vscode-list-hoverBackground, transparent); }
table.node-grid tbody tr.selected { background: var(--vscode-list-inactiveSelectionBackground, color-mix(in srgb, var(--pv-focus) 25%, transparent)); }
.grid-scroll:focus-within tbody tr.selected { background: var(--vscode-list-activeSelectionBackground, color-mix(in srgb, var(--pv-focus) 35%, transparent));
  color: var(--vscode-list-activeSelectionForeground, var(--pv-fg)); }
table.node-grid tbody tr:focus-visible { outline: 1px solid var(--pv-focus); outline-offset: -1px; }
.totals-scroll { padding: 0 0 4px; }

.side { width: 360px; flex: none; border-left: 1px solid var(--pv-border); background: var(--pv-side); overflow-y: auto; }
/* Both panes closed: the side keeps only their headings and the tree takes the width. */
.side.all-closed { width: 190px; }
@media (max-width: 760px) {
  .main { flex-direction: column; }
  /* Below the tree, as tall as its open panes need up to a third of the view: a closed pane gives its room back. */
  .side, .side.all-closed { width: auto; height: auto; max-height: 27%; flex: 0 1 auto; border-left: none; border-top: 1px solid var(--pv-border); }
  .side.one-closed { max-height: 15%; }
  .topbar { flex-direction: column; align-items: stretch; gap: 6px; padding: 8px 12px 6px; }
  .toolbar { max-width: none; justify-content: flex-start; }
  .toolbar .search { flex-basis: auto; justify-content: flex-start; }
  .toolbar .search vscode-textfield { width: 170px; }
  .where { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 11px; }
  .stats { gap: 2px 16px; }
  .stat.primary dd { font-size: 15px; }
  .drawer.open { flex-basis: 45%; }
}
vscode-collapsible { --vscode-sideBar-background: var(--pv-side); }
.side-body { padding: 6px 12px 12px; }

/* svg nodes */
.node { cursor: pointer; }
.node .box { fill: var(--pv-widget); stroke: var(--pv-border); stroke-width: 1; }
.node:hover .box { stroke: var(--pv-muted); }
.node.selected .box { stroke: var(--pv-focus); stroke-width: 2.5; }
.node .stripe { fill: var(--pv-muted); opacity: .35; }
.node text { fill: var(--pv-fg); font-size: 12px; }
.node .label { font-size: 13px; font-weight: 600; }
.node .role { fill: var(--pv-muted); font-size: 11px; font-style: italic; }
.node .muted, .node text.muted, .node tspan.muted { fill: var(--pv-muted); }
.node .self { font-weight: 600; }
.node .bar-bg { fill: color-mix(in srgb, var(--pv-fg) 12%, transparent); }
.node .bar { fill: var(--pv-muted); }
.node .misestimate.mild { fill: var(--pv-yellow); font-weight: 600; }
.node .misestimate.severe { fill: var(--pv-red); font-weight: 700; }
.node.heat-1 .bar, .node.heat-1 .stripe { fill: var(--pv-green); opacity: 1; }
.node.heat-2 .bar, .node.heat-2 .stripe { fill: var(--pv-yellow); opacity: 1; }
.node.heat-3 .bar, .node.heat-3 .stripe { fill: var(--pv-orange); opacity: 1; }
.node.heat-4 .bar, .node.heat-4 .stripe { fill: var(--pv-red); opacity: 1; }
.node.heat-2 .box { fill: color-mix(in srgb, var(--pv-yellow) 7%, var(--pv-widget)); }
.node.heat-3 .box { fill: color-mix(in srgb, var(--pv-orange) 10%, var(--pv-widget)); stroke: color-mix(in srgb, var(--pv-orange) 55%, var(--pv-border)); }
.node.heat-4 .box { fill: color-mix(in srgb, var(--pv-red) 13%, var(--pv-widget)); stroke: color-mix(in srgb, var(--pv-red) 70%, var(--pv-border)); }
.node.selected.heat-3 .box, .node.selected.heat-4 .box { stroke: var(--pv-focus); }
.node.never-executed { opacity: .55; }
.hotspot rect { fill: var(--pv-muted); }
.hotspot text { fill: var(--pv-bg) !important; font-weight: 700; font-size: 11px; }
.hotspot.rank-1 rect { fill: var(--pv-red); }
.hotspot.rank-2 rect { fill: var(--pv-orange); }
.hotspot.rank-3 rect { fill: var(--pv-yellow); }
.toggle circle { fill: var(--pv-bg); stroke: var(--pv-muted); stroke-width: 1.2; }
.toggle { cursor: pointer; }
.toggle path { stroke: var(--pv-fg); stroke-width: 1.6; pointer-events: none; }
.toggle:hover circle { stroke: var(--pv-focus); }
.toggle .hidden-count { fill: var(--pv-muted); font-size: 11px; }
.edge { fill: none; stroke: color-mix(in srgb, var(--pv-fg) 30%, var(--pv-bg)); stroke-linecap: butt; }
.connector { fill: none; stroke: color-mix(in srgb, var(--pv-fg) 30%, var(--pv-bg)); stroke-linejoin: round; }
.edge.heat-3 { stroke: color-mix(in srgb, var(--pv-orange) 60%, var(--pv-bg)); }
.edge.heat-4 { stroke: color-mix(in srgb, var(--pv-red) 60%, var(--pv-bg)); }
/* groups of similar siblings */
.node.group .stack { fill: var(--pv-widget); stroke: color-mix(in srgb, var(--pv-muted) 60%, transparent); stroke-width: 1; }
.node.group .box { stroke-dasharray: none; stroke-width: 1.5; }
.node.group .shown { font-style: italic; }

/* search */
.search { display: flex; align-items: center; gap: 4px; flex-basis: 100%; justify-content: flex-end; }
.search vscode-textfield { width: 240px; }
.search-count { font-size: 12px; min-width: 64px; text-align: right; font-variant-numeric: tabular-nums; }
.search-step { min-width: 0; }
.node.match .box { stroke: var(--vscode-editor-findMatchHighlightBorder, var(--pv-yellow)); stroke-width: 2.5; stroke-dasharray: 6 3; }
.node.has-match .box { stroke: var(--vscode-editor-findMatchHighlightBorder, var(--pv-yellow)); stroke-width: 2; stroke-dasharray: 2 3; }
.node.match-current .box { stroke: var(--vscode-editor-findMatchBorder, var(--pv-orange)); stroke-width: 3.5; stroke-dasharray: none; }

/* details of a group */
.group-members { list-style: none; margin: 0; padding: 0; font-size: 12px; display: flex; flex-direction: column; gap: 2px; }
.member-link { background: none; border: none; padding: 0; color: var(--vscode-textLink-foreground, var(--pv-blue)); font: inherit; cursor: pointer; text-align: left; }
.member-link:hover { text-decoration: underline; }
.member-link:focus-visible { outline: 1px solid var(--pv-focus); }
#group-toggle-button { margin: 2px 0 6px; }

.lod-low .node text, .lod-low .node .bar-bg, .lod-low .toggle .hidden-count { display: none; }
.lod-low .node .box { stroke-width: 3; }
@media (forced-colors: active) { .node.selected .box { stroke: Highlight; } }

/* insights */
.insights { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.insight { display: flex; gap: 8px; width: 100%; text-align: left; padding: 8px 10px; border-radius: 4px;
  border: 1px solid var(--pv-border); background: var(--pv-widget); color: var(--pv-fg); font: inherit; cursor: pointer; }
.insight:hover { background: var(--vscode-list-hoverBackground, var(--pv-widget)); }
.insight:focus-visible { outline: 1px solid var(--pv-focus); outline-offset: 1px; }
.insight.active { border-color: var(--pv-focus); }
.insight-body { min-width: 0; display: flex; flex-direction: column; gap: 3px; }
.insight-title { font-weight: 600; }
.insight-title-row { display: flex; gap: 6px; align-items: baseline; justify-content: space-between; }
.insight-count { flex: none; font-size: 11px; font-weight: 600; padding: 0 6px; border-radius: 8px;
  background: var(--vscode-badge-background, var(--pv-border)); color: var(--vscode-badge-foreground, var(--pv-fg)); }
.insight-share { font-size: 12px; }
.insight-nodes { margin: 2px 0 0 26px; font-size: 12px; }
.insight-nodes summary { cursor: pointer; color: var(--pv-muted); }
.insight-nodes summary:focus-visible { outline: 1px solid var(--pv-focus); }
.more-insights-button { margin-top: 6px; background: none; border: 1px solid var(--pv-border); border-radius: 4px; color: var(--vscode-textLink-foreground, var(--pv-blue));
  font: inherit; font-size: 12px; padding: 4px 10px; cursor: pointer; }
.more-insights-button[hidden] { display: none; }
.more-insights-button:focus-visible { outline: 1px solid var(--pv-focus); }
.insight-node { font-size: 12px; }
.insight-suggestion { font-size: 12px; }
.evidence { display: flex; flex-wrap: wrap; gap: 4px 10px; font-size: 12px; font-variant-numeric: tabular-nums; }
.sev-icon { flex: none; margin-top: 1px; }
.sev-icon .sev-mark { fill: var(--pv-bg); }
.sev-critical .sev-shape { fill: var(--pv-red); }
.sev-warning .sev-shape { fill: var(--pv-orange); }
.sev-info .sev-shape { fill: var(--pv-blue); }

/* details */
.details-title-row { display: flex; align-items: center; gap: 8px; justify-content: space-between; }
.details-title { font-size: 14px; margin: 4px 0 8px; font-weight: 600; word-break: break-word; }
.sql-range { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; }
.sql-range code { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; padding: 3px 6px; border-radius: 3px;
  background: var(--vscode-textCodeBlock-background, var(--pv-widget)); }
.details-section h3 { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--pv-muted); margin: 12px 0 4px; font-weight: 600; }
table.kv, table.grid { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
table.kv th, table.grid tbody th { text-align: left; font-weight: normal; color: var(--pv-muted); padding: 2px 10px 2px 0; vertical-align: top; width: 45%; }
table.kv td, table.grid td { padding: 2px 0; word-break: break-word; }
table.grid thead th { text-align: left; font-weight: 600; font-size: 11px; color: var(--pv-muted); padding-bottom: 2px; }
table.raw td { font-family: var(--vscode-editor-font-family, monospace); font-size: 11.5px; }
.hotspot-badge { vertical-align: middle; flex: none; }
.hotspot-badge.rank-1 { --vscode-badge-background: var(--pv-red); --vscode-badge-foreground: var(--pv-bg); }
.hotspot-badge.rank-2 { --vscode-badge-background: var(--pv-orange); --vscode-badge-foreground: var(--pv-bg); }
.hotspot-badge.rank-3 { --vscode-badge-background: var(--pv-yellow); --vscode-badge-foreground: var(--pv-bg); }

/* compare mode */
.compare { display: flex; flex-direction: column; height: 100vh; }
.compare-summary { margin: 0; padding-left: 18px; font-size: 12.5px; display: flex; flex-direction: column; gap: 2px; }
.compare-info { padding: 4px 16px; font-size: 12px; border-bottom: 1px solid var(--pv-border); min-height: 16px; }
.compare-main { display: flex; flex: 1; min-height: 0; }
.compare-pane { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.compare-pane + .compare-pane { border-left: 1px solid var(--pv-border); }
.pane-head { padding: 4px 12px; font-size: 12px; border-bottom: 1px solid var(--pv-border); }
.compare-pane .plan-canvas { flex: 1; }
.node .delta { font-size: 11px; fill: var(--pv-muted); }
.node .delta.exact { fill: var(--pv-muted); }
.node .delta.likely { fill: var(--pv-yellow); }
.node .delta.guessed { fill: var(--pv-orange); }
.node .delta.none { fill: var(--pv-blue); font-style: italic; }
.node.unmatched .box { stroke-dasharray: 5 3; stroke: var(--pv-blue); }
.node.match-guessed .box { stroke-dasharray: 2 2; }
.node.linked .box, .node.linked-source .box { stroke: var(--pv-focus); stroke-width: 2; }
.node.linked-selected .box { stroke: var(--pv-focus); stroke-width: 3; }
`;

export function installStyles(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
