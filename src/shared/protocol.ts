/**
 * The host ↔ plan-view webview protocol. Contracts only: both sides import this file, the webview bundle
 * included, so it holds types, type guards (and the tables of message types they read) and `assertNever`, nothing
 * else.
 *
 * Naming follows GitLens: host → webview messages are `DidXxxNotification`, webview → host messages are
 * `XxxCommand`. Every message is a plain JSON object discriminated by `type`; both sides `switch` on it and
 * end with `assertNever` so adding a message is a compile error until both sides handle it.
 */
import type { SourceRange } from '../core/positions';
import type { TuningResult } from '../core/pipeline/tuningResult';
import type { PlanComparison } from '../core/compare/planComparison';
import type { RawPlanFields } from '../core/plan/planNode';
import type { Insight } from '../core/insights/insight';

// The webview may import only src/shared, so the data types it renders are re-exported here (types only).
export type { SourceRange } from '../core/positions';
export type { TuningResult } from '../core/pipeline/tuningResult';
export type { BufferCounts, NodeMetrics, Plan, PlanNode, RawPlanFields } from '../core/plan/planNode';
export type { Evidence, Insight, Severity } from '../core/insights/insight';
export type { SafetyWrapper, SessionKind } from '../core/db/session';
export type { Delta, MatchConfidence, NodeMatch, PlanComparison, Spill } from '../core/compare/planComparison';

// ─── host → webview ──────────────────────────────────────────────────────────────────────────────────────

/** Show (or replace) the result in the panel. The webview keeps the user's view state when `result` is the same plan. */
export interface DidShowResultNotification {
  type: 'didShowResult';
  /**
   * Sent compact: `result.plan.nodes` is empty (it would repeat every subtree once per ancestor); the
   * webview rebuilds it from `result.plan.root`. The same holds for the results of a comparison.
   */
  result: TuningResult;
  /** Panel heading, e.g. the file name and statement's first line. */
  title: string;
  /**
   * Show "Timings on the embedded database are not production timings". The webview also shows it when
   * `result.run.sessionKind === 'embedded'`; this flag lets the host force it (e.g. a pasted plan from PGlite).
   */
  embeddedTimingsNote?: boolean;
  /** Node to select once shown (e.g. the node under the editor cursor). */
  selectNodeId?: number;
  /**
   * Names this result for the view: the same key means the same result re-sent (after a reload or a focus
   * change), so the view keeps selection, zoom and collapsed nodes. `result.rawPlan` is sent empty (the host
   * keeps it), so it can't tell results apart any more.
   */
  resultKey?: string;
  /**
   * Node `fields` hold only what drawing the plan needs (label, figures, search), except the node to select;
   * every node's full fields follow in a `didLoadNodeFields` with the same `resultKey` once the view painted.
   */
  fieldsToFollow?: boolean;
  /**
   * The plan's nodes column by column (the first message of a result). When set, `result.plan.root` is a
   * childless stand-in (the root with its drawn fields) and the view rebuilds the tree from these columns.
   */
  packedNodes?: PackedPlanNodes;
  /**
   * Set when `result.insights` holds only the first of this many insights (the ones the list shows first);
   * all of them follow in `didLoadNodeFields.insights`.
   */
  insightsToFollow?: number;
}

/**
 * Numbers of one column, by node id. Typed arrays cross VS Code's `postMessage` as binary (engines ≥ 1.57), a
 * fraction of their size as JSON and nothing to parse; a plain array is accepted too (tests, older hosts).
 */
export type NumberColumn = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array | number[];

/** A JSON value a column can hold; `null` means the node has no such key. */
export type ColumnValue = string | number | boolean | null;

/** One key's values for every node, in the most compact of four forms. */
export type PackedColumn =
  /** Every node has this value (`null`: none has the key). */
  | { constant: ColumnValue }
  /** Numbers; `NaN` means the node has no such key. */
  | { numbers: NumberColumn }
  /** Few distinct values (strings, booleans): `labels[codes[id]]`. */
  | { labels: ColumnValue[]; codes: NumberColumn }
  /** Anything else (arrays, objects), as JSON; `null` means the node has no such key. */
  | { values: unknown[] };

/** A column and where its values go in each node object: `['Node Type']`, `['buffersInclusive', 'sharedHit']`. */
export interface PackedKeyColumn {
  path: string[];
  column: PackedColumn;
}

/** `Plan.nodes` as columns: node ids are positions (pre-order), the tree is the parent column. */
export interface PackedPlanNodes {
  count: number;
  /** The parent's id of each node, -1 for the root; children keep the order of their ids. */
  parents: NumberColumn;
  /** `PlanNode.fields`, key by key in the order EXPLAIN gives them. */
  fields: PackedKeyColumn[];
  /** `PlanNode.metrics`, key by key (nested objects by two-part paths). */
  metrics: PackedKeyColumn[];
  /** Nodes sent with all their raw fields (the node the view selects at once), replacing the columns' for them. */
  fullFields: Array<{ id: number; fields: RawPlanFields }>;
}

/** Every node's full raw EXPLAIN fields, by node id, for a result first sent with `fieldsToFollow`. */
export interface DidLoadNodeFieldsNotification {
  type: 'didLoadNodeFields';
  resultKey: string;
  /** `fields[id]` replaces `plan.nodes[id].fields`. */
  fields: RawPlanFields[];
  /** Every insight, for a result first sent with `insightsToFollow`. */
  insights?: Insight[];
}

/** Select a node (from the editor: cursor on a relation, a diagnostic, a hover link) and centre it. */
export interface DidSelectNodeNotification {
  type: 'didSelectNode';
  nodeId: number;
}

/** The host started or finished work the panel asked for (Explain again); the webview shows a busy state. */
export interface DidChangeBusyNotification {
  type: 'didChangeBusy';
  busy: boolean;
  /** One line shown while busy or, when `busy` is false, an error the user can act on. */
  message?: string;
}

/**
 * Show two plans side by side ("Compare Plans", "Compare with previous"). The host runs `comparePlans` and
 * `summariseComparison` (core); the webview only draws them.
 */
export interface DidShowComparisonNotification {
  type: 'didShowComparison';
  before: TuningResult;
  after: TuningResult;
  comparison: PlanComparison;
  /** `summariseComparison(comparison)`: the lines that head the view. */
  summary: string[];
  title: string;
  /** Pane headings, e.g. "12:03 on prod" and "now on prod"; default "Before" / "After". */
  beforeLabel?: string;
  afterLabel?: string;
  /**
   * The host's names for the two results (as `DidShowResultNotification.resultKey`): the view saves them with
   * the comparison, and a panel revived after a reload reads both raw plans back under them.
   */
  beforeKey?: string;
  afterKey?: string;
}

export type HostToWebviewMessage =
  | DidShowResultNotification
  | DidSelectNodeNotification
  | DidChangeBusyNotification
  | DidShowComparisonNotification
  | DidLoadNodeFieldsNotification;

// ─── webview → host ──────────────────────────────────────────────────────────────────────────────────────

/** The webview has loaded its script and listens; the host sends the result after this (not before). */
export interface ReadyCommand {
  type: 'ready';
  /**
   * When the view's script started and when it said ready, in ms since the webview document's navigation began
   * (`performance.now()`): the host logs them with its own "panel created → ready" time, to tell VS Code's
   * webview start apart from our script's boot.
   */
  boot?: { scriptStartMs: number; readyMs: number };
}

/**
 * Move the editor selection to where a node or insight came from. `range` is 0-based in `TuningResult.sql`
 * (the statement as explained); the host maps it into the document.
 */
export interface RevealSqlRangeCommand {
  type: 'revealSqlRange';
  range: SourceRange;
  /** The node that was clicked, when the range came from `nodeRanges`. */
  nodeId?: number;
  /** The insight's rule id, when the range came from an insight. */
  ruleId?: string;
}

/** The user selected a node in the plan view (the host may highlight its SQL range). */
export interface SelectNodeCommand {
  type: 'selectNode';
  nodeId: number;
}

/** Copy the raw EXPLAIN output (`TuningResult.rawPlan`) to the clipboard; the webview can't reliably. */
export interface CopyPlanJsonCommand {
  type: 'copyPlanJson';
}

/** Open the Markdown/HTML report for the shown result. */
export interface OpenReportCommand {
  type: 'openReport';
}

/** Explain the same statement again with the same session and options. */
export interface ExplainAgainCommand {
  type: 'explainAgain';
}

/**
 * Save the plan view as an image: the webview serialises its SVG with the theme's colours inlined (so the
 * file looks the same outside VS Code); the host asks where to save it. `svgText` for svg, `dataUrl`
 * (data:image/png;base64,…) for png.
 */
export interface ExportImageCommand {
  type: 'exportImage';
  format: 'svg' | 'png';
  svgText?: string;
  dataUrl?: string;
  /** A file name to suggest, without folder ("plan.svg"). */
  suggestedName: string;
}

/** Copy the shown plan obfuscated (names and literals replaced, `obfuscatePlan`) for posting publicly. */
export interface CopyPlanForSharingCommand {
  type: 'copyPlanForSharing';
}

/** Compare the shown plan with the previous plan of the same statement from the plan history. */
export interface CompareWithPreviousCommand {
  type: 'compareWithPrevious';
}

/**
 * The view drew a result it was sent (once per `didShowResult`, after the frame that shows it was painted):
 * the host logs "first paint" from there. `ms` is the view's own part, from receiving the message to that frame.
 */
export interface PaintedCommand {
  type: 'painted';
  /** Nodes in the shown plan (all of them, drawn or not). */
  nodes: number;
  ms: number;
  /**
   * When the view received the result, in ms since its page began loading (as `ReadyCommand.boot`): with the
   * host's own times it splits a new view's wait into webview start, message transit and drawing.
   */
  receivedMs?: number;
}

export type WebviewToHostMessage =
  | PaintedCommand
  | ExportImageCommand
  | CopyPlanForSharingCommand
  | CompareWithPreviousCommand
  | ReadyCommand
  | RevealSqlRangeCommand
  | SelectNodeCommand
  | CopyPlanJsonCommand
  | OpenReportCommand
  | ExplainAgainCommand;

// ─── persisted state ─────────────────────────────────────────────────────────────────────────────────────

/** d3-zoom's transform: screen = world × k + (x, y). */
export interface ZoomTransformState {
  x: number;
  y: number;
  k: number;
}

/**
 * What the webview stores with `vscode.setState` and the host's `WebviewPanelSerializer` gets back in
 * `deserializeWebviewPanel(panel, state)`: enough to redraw the panel after a reload without a database.
 */
export interface PlanViewState {
  version: 1;
  result?: TuningResult;
  title?: string;
  embeddedTimingsNote?: boolean;
  selectedNodeId?: number;
  transform?: ZoomTransformState;
  /** Ids of nodes whose subtrees are collapsed. */
  collapsedIds: number[];
  /** `DidShowResultNotification.resultKey` of `result`, handed back to the host by the serializer. */
  resultKey?: string;
  /**
   * Runs of similar siblings the user opened in the plan view (each group named by its first member's node
   * id); closed groups draw only their slowest members.
   */
  expandedGroupIds?: number[];
  /** Set while the panel shows a comparison (then `result` is absent). */
  comparison?: Omit<DidShowComparisonNotification, 'type'>;
  /** With `comparison`: the sibling groups open on each side (ids as in `expandedGroupIds`). */
  compareExpandedGroupIds?: CompareOpenGroups;
  /** With `comparison`: each side's zoom and pan, as the user left them. */
  compareTransforms?: CompareTransforms;
}

/** The compare view's zoom and pan, per side. */
export interface CompareTransforms {
  before: ZoomTransformState;
  after: ZoomTransformState;
}

/** Open sibling groups of the compare view, per side, each named by its first member's node id. */
export interface CompareOpenGroups {
  before: number[];
  after: number[];
}

// ─── guards ──────────────────────────────────────────────────────────────────────────────────────────────

// Every message type of each direction, as keys: `satisfies` makes a type missing here (or one that is not a
// message) a compile error, where a hand-kept list would drop the new message without a word.
const hostToWebviewTypes = {
  didShowResult: true,
  didSelectNode: true,
  didChangeBusy: true,
  didShowComparison: true,
  didLoadNodeFields: true,
} as const satisfies Record<HostToWebviewMessage['type'], true>;

const webviewToHostTypes = {
  ready: true,
  revealSqlRange: true,
  selectNode: true,
  copyPlanJson: true,
  openReport: true,
  explainAgain: true,
  exportImage: true,
  copyPlanForSharing: true,
  compareWithPrevious: true,
  painted: true,
} as const satisfies Record<WebviewToHostMessage['type'], true>;

/** The message's `type` when it is one of `types`' own keys (not an inherited name such as `constructor`). */
function messageType<T extends string>(value: unknown, types: Record<T, true>): T | undefined {
  const type = typeOf(value);
  return type !== undefined && Object.prototype.hasOwnProperty.call(types, type) ? (type as T) : undefined;
}

function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function isRange(value: unknown): value is SourceRange {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { start?: unknown; end?: unknown };
  return typeof r.start === 'number' && typeof r.end === 'number' && r.start >= 0 && r.end >= r.start;
}

function hasNodeId(value: unknown): boolean {
  return Number.isInteger((value as { nodeId?: unknown }).nodeId);
}

/** True for a well-formed message from the host (checked by the webview on `message` events). */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  const type = messageType(value, hostToWebviewTypes);
  if (type === undefined) return false;
  const v = value as Record<string, unknown>;
  switch (type) {
    case 'didShowResult':
      return typeof v.result === 'object' && v.result !== null && typeof v.title === 'string';
    case 'didSelectNode':
      return hasNodeId(v);
    case 'didChangeBusy':
      return typeof v.busy === 'boolean';
    case 'didLoadNodeFields':
      return typeof v.resultKey === 'string' && Array.isArray(v.fields);
    case 'didShowComparison':
      return (
        typeof v.before === 'object' &&
        v.before !== null &&
        typeof v.after === 'object' &&
        v.after !== null &&
        typeof v.comparison === 'object' &&
        v.comparison !== null &&
        Array.isArray(v.summary) &&
        typeof v.title === 'string'
      );
    default:
      return assertNever(type);
  }
}

/** True for a well-formed message from the webview (checked by the host: webview content is untrusted). */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  const type = messageType(value, webviewToHostTypes);
  if (type === undefined) return false;
  const v = value as Record<string, unknown>;
  switch (type) {
    case 'revealSqlRange':
      return isRange(v.range);
    case 'selectNode':
      return hasNodeId(v);
    case 'painted':
      return Number.isInteger(v.nodes) && typeof v.ms === 'number' && Number.isFinite(v.ms) && v.ms >= 0;
    case 'exportImage':
      return (
        typeof v.suggestedName === 'string' &&
        !/[\\/]/.test(v.suggestedName) &&
        ((v.format === 'svg' && typeof v.svgText === 'string') ||
          (v.format === 'png' && typeof v.dataUrl === 'string' && v.dataUrl.startsWith('data:image/png;base64,')))
      );
    case 'ready':
    case 'copyPlanJson':
    case 'openReport':
    case 'explainAgain':
    case 'copyPlanForSharing':
    case 'compareWithPrevious':
      return true;
    default:
      return assertNever(type);
  }
}

/** True for a state object this version of the webview wrote. */
export function isPlanViewState(value: unknown): value is PlanViewState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<PlanViewState>;
  return v.version === 1 && Array.isArray(v.collapsedIds);
}

/** Ends an exhaustive `switch` over a union: fails to compile when a case is missing. */
export function assertNever(value: never, message = 'Unexpected value'): never {
  throw new Error(`${message}: ${JSON.stringify(value)}`);
}
