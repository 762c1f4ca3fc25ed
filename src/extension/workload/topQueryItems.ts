/**
 * What the Top Queries view shows, as plain data: built from a TopQueriesResult without `vscode`, so the
 * labels, figures, order and notes are unit-tested; topQueriesView.ts only turns these into TreeItems.
 */
import { formatCount, formatMs, formatShare } from '../../core/text/formatNumbers';
import type { StatementSource } from '../../core/workload/statementSources';
import {
  sortTopStatements,
  topQueryOrderLabels,
  topQueryOrders,
  type TopQueriesResult,
  type TopQueryOrder,
  type TopStatement,
  type WorkloadNote,
  type WorkloadNoteKind,
} from '../../core/workload/topQueries';

/** A codicon name ("warning", "info", "database"). */
export type IconId = string;

interface NodeBase {
  /** Unique in a list and the same for a statement whatever the order (the view adds a per-load prefix). */
  id: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon?: IconId;
}

export interface StatementNode extends NodeBase {
  kind: 'statement';
  statement: TopStatement;
  /** False when this role may not see the text: nothing to open, explain or find. */
  explainable: boolean;
}

export interface NoteNode extends NodeBase {
  kind: 'note';
  steps: StepNode[];
}

export interface StepNode extends NodeBase {
  kind: 'step';
  /** All steps of the note as one SQL document (non-SQL steps as comments), opened on click; never run. */
  script: string;
}

export interface SourceNode extends NodeBase {
  kind: 'source';
  source: StatementSource;
}

export interface MessageNode extends NodeBase {
  kind: 'message';
}

export type TopQueryNode = StatementNode | NoteNode | StepNode | SourceNode | MessageNode;

const noteTitles: Record<WorkloadNoteKind, string> = {
  'extension-not-available': 'pg_stat_statements is not installed on the server',
  'extension-not-installed': 'pg_stat_statements is not created in this database',
  'extension-not-preloaded': 'pg_stat_statements is not preloaded',
  'insufficient-privilege': 'Some statements are hidden from this role',
  'unknown-columns': 'This pg_stat_statements version is not supported',
  'utility-statements': 'Utility statements are not listed',
  'own-statements': "pg-tuner's own statements are kept apart",
};

/** The embedded database is built from the workspace's schema files and runs no application workload. */
export const embeddedWorkloadNote = {
  title: 'No workload on the embedded database',
  message:
    "The embedded database (PGlite) is built from the workspace schema and runs only the tuner's own explains, so it has no " +
    'statements worth ranking, and it is started without pg_stat_statements. Select a server connection to see its top queries.',
};

// Short enough that the share and figures after it stay visible in a side bar of ordinary width.
const maxLabelLength = 72;

/** One line of SQL for a tree label: whitespace runs collapsed, long text cut with an ellipsis. */
export function oneLine(sql: string, max = maxLabelLength): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The figure the list is ordered by, first; then the others that matter for tuning. */
export function statementDescription(s: TopStatement, orderBy: TopQueryOrder): string {
  const shareOf = orderBy === 'mean' ? 'total time' : topQueryOrderLabels[orderBy];
  const lead: Record<TopQueryOrder, string> = {
    total: `${formatMs(s.totalTimeMs)} total`,
    mean: `${formatMs(s.meanTimeMs)} mean`,
    calls: `${formatCount(s.calls)} calls`,
    rows: `${formatCount(s.rows)} rows`,
    reads: `${formatCount(s.sharedBlocksRead)} blocks read`,
    temp: `${formatCount(s.tempBlocksWritten)} temp blocks written`,
  };
  const rest: string[] = [];
  if (orderBy !== 'total') rest.push(`${formatMs(s.totalTimeMs)} total`);
  if (orderBy !== 'calls') rest.push(`${formatCount(s.calls)} calls`);
  if (orderBy !== 'mean') rest.push(`${formatMs(s.meanTimeMs)} mean`);
  return [`${formatShare(s.share)} of ${shareOf}`, lead[orderBy], ...rest].join(' · ');
}

/** A fence longer than any backtick run inside, so the SQL cannot close it. */
function sqlBlock(sql: string): string {
  const fence = '`'.repeat(Math.max(3, ...(sql.match(/`+/g) ?? []).map((m) => m.length + 1)));
  return `${fence}sql\n${sql}\n${fence}`;
}

export function statementTooltip(s: TopStatement, orderBy: TopQueryOrder): string {
  const rows: Array<[string, string]> = [
    ['Total time', `${formatMs(s.totalTimeMs)} (${formatShare(s.shares.totalTime)})`],
    ['Calls', `${formatCount(s.calls)} (${formatShare(s.shares.calls)})`],
    ['Mean time', formatMs(s.meanTimeMs)],
  ];
  if (s.minTimeMs !== undefined && s.maxTimeMs !== undefined)
    rows.push(['Min / max', `${formatMs(s.minTimeMs)} / ${formatMs(s.maxTimeMs)}`]);
  if (s.stddevTimeMs !== undefined) rows.push(['Std. deviation', formatMs(s.stddevTimeMs)]);
  if (s.totalPlanTimeMs !== undefined && s.totalPlanTimeMs > 0)
    rows.push(['Planning time', formatMs(s.totalPlanTimeMs)]);
  rows.push(
    ['Rows', `${formatCount(s.rows)} (${formatShare(s.shares.rows)})`],
    [
      'Shared blocks hit / read',
      `${formatCount(s.sharedBlocksHit)} / ${formatCount(s.sharedBlocksRead)} (${formatShare(s.shares.sharedBlocksRead)} of reads)`,
    ],
    ['Temp blocks written', `${formatCount(s.tempBlocksWritten)} (${formatShare(s.shares.tempBlocksWritten)})`],
  );
  if (s.blockReadTimeMs !== undefined && s.blockReadTimeMs > 0)
    rows.push(['Block read time', formatMs(s.blockReadTimeMs)]);
  if (s.userName) rows.push(['Role', s.userName]);
  const table = ['| | |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  const head = s.textVisible
    ? sqlBlock(s.query)
    : '*The text of this statement belongs to another role and is hidden from this one.*';
  const click = s.textVisible ? '\n\nClick to open it in an editor and explain it.' : '';
  return `**#${s.rank} by ${topQueryOrderLabels[orderBy]}**\n\n${head}\n\n${table}${click}`;
}

export function statementNode(s: TopStatement, orderBy: TopQueryOrder): StatementNode {
  return {
    kind: 'statement',
    // The query id names the statement; the rank is the fallback for hidden ones (no id).
    id: `statement:${s.queryId ?? `rank-${s.rank}`}:${s.userName}:${s.toplevel === false ? 'nested' : 'top'}`,
    label: s.textVisible ? oneLine(s.query) : '<insufficient privilege>',
    description: statementDescription(s, orderBy),
    tooltip: statementTooltip(s, orderBy),
    icon: s.textVisible ? 'symbol-event' : 'lock',
    statement: s,
    explainable: s.textVisible && s.query.trim() !== '',
  };
}

/** The steps as a script for an untitled SQL editor: statements as they are, the rest as comments. */
export function stepsScript(title: string, steps: readonly string[]): string {
  const isSql = (step: string): boolean => /^\s*(create|alter|grant|select|set)\b/i.test(step);
  const lines = [`-- ${title}`, '-- Review, then run these yourself; the tuner never runs them.', ''];
  for (const step of steps)
    lines.push(
      isSql(step)
        ? step
        : step
            .split('\n')
            .map((l) => `-- ${l}`)
            .join('\n'),
    );
  return `${lines.join('\n')}\n`;
}

function noteNode(idPart: string, title: string, message: string, steps: readonly string[], icon: IconId): NoteNode {
  const script = stepsScript(title, steps);
  return {
    kind: 'note',
    id: `note:${idPart}`,
    label: title,
    description: message,
    tooltip: steps.length > 0 ? `${message}\n\n${steps.map((s, i) => `${i + 1}. \`${s}\``).join('\n')}` : message,
    icon,
    steps: steps.map((step, i) => ({
      kind: 'step',
      id: `note:${idPart}:step-${i}`,
      label: `${i + 1}. ${oneLine(step, 160)}`,
      tooltip: `${step}\n\nClick to open the steps in a new SQL editor (never run by the tuner).`,
      icon: 'terminal',
      script,
    })),
  };
}

export function workloadNoteNode(note: WorkloadNote): NoteNode {
  const informative: readonly WorkloadNoteKind[] = [
    'insufficient-privilege',
    'extension-not-preloaded',
    'utility-statements',
    'own-statements',
  ];
  const icon = informative.includes(note.kind) ? 'info' : 'warning';
  return noteNode(note.kind, noteTitles[note.kind], note.message, note.steps, icon);
}

/** The note on pg-tuner's own entries, its tooltip listing the largest of them (never hidden, only kept apart). */
function ownNoteNode(note: WorkloadNote, result: TopQueriesResult): NoteNode {
  const node = workloadNoteNode(note);
  const largest = result.own.largest.map(
    (s) =>
      `- ${formatMs(s.totalTimeMs)} in ${formatCount(s.calls)} calls (${formatShare(s.shares.totalTime)} of all recorded time): \`${oneLine(s.query, 120).replace(/`/g, "'")}\``,
  );
  if (largest.length > 0) node.tooltip = `${node.tooltip}\n\nThe largest:\n${largest.join('\n')}`;
  return node;
}

export interface TopQueriesViewInput {
  result: TopQueriesResult;
  /** The embedded database gets its own note instead of "install the contrib package". */
  connectionKind: 'embedded' | 'server';
}

/** The root items of the view: notes first (what to fix to see more), then the statements in order. */
export function topQueryNodes({ result, connectionKind }: TopQueriesViewInput): TopQueryNode[] {
  const nodes: TopQueryNode[] = [];
  const missingExtension = result.notes.some(
    (n) => n.kind === 'extension-not-available' || n.kind === 'extension-not-installed',
  );
  if (connectionKind === 'embedded' && result.status === 'unavailable' && missingExtension) {
    nodes.push(noteNode('embedded', embeddedWorkloadNote.title, embeddedWorkloadNote.message, [], 'info'));
    return nodes;
  }
  // pg-tuner's own entries are no fix to make: their note follows the statements.
  const ownNote = result.notes.find((n) => n.kind === 'own-statements');
  nodes.push(...result.notes.filter((n) => n !== ownNote).map(workloadNoteNode));
  if (result.status === 'unavailable') return nodes;
  if (result.statements.length === 0) {
    nodes.push({
      kind: 'message',
      id: 'message:empty',
      label: `No statements recorded in ${result.database} yet`,
      description: result.statsSince ? `since ${result.statsSince}` : undefined,
      tooltip:
        'pg_stat_statements has no statements for this database since its last reset. Run the workload, then refresh.',
      icon: 'info',
    });
    if (ownNote) nodes.push(ownNoteNode(ownNote, result));
    return nodes;
  }
  nodes.push(...sortTopStatements(result.statements, result.orderBy).map((s) => statementNode(s, result.orderBy)));
  if (ownNote) nodes.push(ownNoteNode(ownNote, result));
  return nodes;
}

/** The view's description: what the list is ordered by and where it comes from. */
export function viewDescription(
  result: TopQueriesResult | undefined,
  orderBy: TopQueryOrder,
  connectionLabel: string,
): string {
  const parts = [`by ${topQueryOrderLabels[orderBy]}`, connectionLabel];
  if (result?.status === 'ok' && result.statementCount > result.statements.length) {
    parts.push(`top ${result.statements.length} of ${formatCount(result.statementCount)}`);
  }
  return parts.join(' · ');
}

export interface OrderPick {
  orderBy: TopQueryOrder;
  label: string;
  description?: string;
}

/** The quick pick for "Order Top Queries By…", the current order marked. */
export function orderPicks(current: TopQueryOrder): OrderPick[] {
  return topQueryOrders.map((orderBy) => ({
    orderBy,
    label: topQueryOrderLabels[orderBy].replace(/^./, (c) => c.toUpperCase()),
    description: orderBy === current ? 'current' : undefined,
  }));
}

/** Child items of a statement: where the workspace issues it. */
export function sourceNodes(
  statementId: string,
  sources: readonly StatementSource[],
  relativePath: (path: string) => string,
): SourceNode[] {
  return sources.map((source, i) => ({
    kind: 'source',
    id: `${statementId}:source-${i}`,
    label: `${relativePath(source.path)}:${source.line + 1}`,
    description: 'Found in workspace',
    tooltip: `${sqlBlock(source.sql)}\n\nSame parse-tree fingerprint as the statement. Click to open the file there.`,
    source,
  }));
}

/** The child of a statement the workspace does not issue (or issues in a form the index cannot read). */
export function notFoundNode(statementId: string, fileCount: number): MessageNode {
  return {
    kind: 'message',
    id: `${statementId}:not-found`,
    label: 'Not found in workspace',
    description: `${fileCount} .sql/.ts/.js file${fileCount === 1 ? '' : 's'} searched`,
    tooltip:
      "No statement with the same parse-tree fingerprint in the workspace's .sql files or in the string and template literals of its .ts and .js files (node_modules excluded).",
    icon: 'search',
  };
}

export function isTopQueryOrder(value: unknown): value is TopQueryOrder {
  return typeof value === 'string' && (topQueryOrders as readonly string[]).includes(value);
}
