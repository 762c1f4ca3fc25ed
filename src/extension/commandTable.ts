/**
 * The extension's commands as data: ids, titles, where they appear, and the arguments our own call sites pass
 * (code actions, hover links, tree items, `executeCommand`). Kept free of `vscode` (and of value imports: the
 * entry bundle holds it) so a unit test can check it against `contributes.commands` in package.json; the handlers
 * live in `commands/`, one file each, and `commandCalls.ts` hands typed calls to VS Code.
 */
import type { TopQueryOrder, TopStatement } from '../core/workload/topQueries';
import type { RewriteRef } from '../core/advice/rewriteSuggestion';

export const commandCategory = 'PostgreSQL Query Tuner';

/** What `pgTuner.applyIndexSuggestion` receives: both documents ready, plain data. */
export interface IndexDdlPayload {
  indexName: string;
  title: string;
  untitled: string;
  migration: string;
}

/** What a compare action carries: which statement's advice (the store's key) and which suggestion, by id. */
export type AdviceComparePayload = { statementStart: number; statementText: string } & (
  { kind: 'advice-index'; index: string } | { kind: 'advice-rewrite'; rewrite: RewriteRef }
);

/** The workspace's copy of a top statement with values where pg_stat_statements shows `$n`. */
export interface StatementCopy {
  sql: string;
  /** "path:line", for the editor's header comment. */
  where: string;
}

/**
 * Each command's id and the arguments our call sites give it. VS Code may still call a command with anything (the
 * palette passes nothing, a menu its own item, a link JSON), so the handlers check what they receive.
 */
export interface CommandArgs {
  'pgTuner.explainAndOptimize': [];
  'pgTuner.explainEstimate': [];
  'pgTuner.openPlanFromClipboard': [];
  /** The explorer's context menu passes the file's Uri. */
  'pgTuner.openPlanFromFile': [];
  'pgTuner.selectConnection': [];
  'pgTuner.addConnection': [];
  'pgTuner.copyPlanJson': [];
  'pgTuner.saveReport': [];
  /** The statement at `statementStart` (document offset) of the document `documentUri`. */
  'pgTuner.explainStatementAt': [documentUri: string, statementStart: number];
  'pgTuner.showInPlan': [nodeId: number];
  'pgTuner.openUntitledSql': [content: string];
  'pgTuner.refreshTopQueries': [];
  /** Without an order it asks for one. */
  'pgTuner.orderTopQueries': [orderBy?: TopQueryOrder];
  /** `findCopy` finds the workspace's copy with values (a tree command's arguments stay in this host). */
  'pgTuner.explainTopStatement': [statement: TopStatement, findCopy?: () => Promise<StatementCopy | undefined>];
  'pgTuner.showHealthReport': [];
  /** Without arguments: the selection or the statement under the cursor. */
  'pgTuner.suggestIndexesAndRewrites': [documentUri?: string, statementStart?: number];
  'pgTuner.applyIndexSuggestion': [payload: IndexDdlPayload];
  /** The loop starting at `loopStart` (document offset); without arguments the one under the cursor. */
  'pgTuner.measureRoundTrips': [documentUri?: string, loopStart?: number];
  'pgTuner.compareWithPrevious': [];
  /** With a payload it compares a suggestion before/after instead of asking which plans. */
  'pgTuner.comparePlans': [payload?: AdviceComparePayload];
  'pgTuner.copyPlanForSharing': [];
  'pgTuner.suggestWorkloadIndexes': [];
}

export type CommandId = keyof CommandArgs;

export interface CommandSpec {
  id: CommandId;
  title: string;
  /** False for commands that only links and code actions call with arguments. */
  inPalette: boolean;
}

/** Keyed by id, so a command missing here is a compile error; the order is package.json's. */
const commandTable: { readonly [K in CommandId]: Omit<CommandSpec, 'id'> } = {
  'pgTuner.explainAndOptimize': { title: 'Explain and Optimize', inPalette: true },
  'pgTuner.explainEstimate': { title: 'Explain (estimate only, no ANALYZE)', inPalette: true },
  'pgTuner.openPlanFromClipboard': { title: 'Open Plan from Clipboard', inPalette: true },
  'pgTuner.openPlanFromFile': { title: 'Open Plan from File', inPalette: true },
  'pgTuner.selectConnection': { title: 'Select Connection', inPalette: true },
  'pgTuner.addConnection': { title: 'Add Connection', inPalette: true },
  'pgTuner.copyPlanJson': { title: 'Copy Plan as JSON', inPalette: true },
  'pgTuner.saveReport': { title: 'Save Report', inPalette: true },
  'pgTuner.explainStatementAt': { title: 'Explain and Optimize this statement', inPalette: false },
  'pgTuner.showInPlan': { title: 'Show in Plan', inPalette: false },
  'pgTuner.openUntitledSql': { title: 'Open SQL in a New Editor', inPalette: false },
  'pgTuner.refreshTopQueries': { title: 'Refresh Top Queries', inPalette: true },
  'pgTuner.orderTopQueries': { title: 'Order Top Queries By…', inPalette: true },
  'pgTuner.explainTopStatement': { title: 'Open and Explain Statement', inPalette: false },
  'pgTuner.showHealthReport': { title: 'Show Health Report', inPalette: true },
  'pgTuner.suggestIndexesAndRewrites': { title: 'Suggest Indexes and Rewrites', inPalette: true },
  'pgTuner.applyIndexSuggestion': { title: 'Open Index Suggestion DDL', inPalette: false },
  'pgTuner.measureRoundTrips': { title: 'Measure Round Trips (N+1)', inPalette: true },
  'pgTuner.compareWithPrevious': { title: 'Compare with Previous Plan', inPalette: true },
  'pgTuner.comparePlans': { title: 'Compare Plans…', inPalette: true },
  'pgTuner.copyPlanForSharing': { title: 'Copy Plan for Sharing', inPalette: true },
  'pgTuner.suggestWorkloadIndexes': { title: 'Suggest Indexes for the Workload', inPalette: true },
};

export const commandSpecs: readonly CommandSpec[] = Object.entries(commandTable).map(([id, spec]) => ({
  id: id as CommandId,
  ...spec,
}));

/** One command with its arguments, as plain data (a code fix carries it; `commandCalls.ts` gives it to VS Code). */
export interface CommandCallOf<K extends CommandId> {
  id: K;
  arguments: CommandArgs[K];
}

/** A call of any of our commands, its arguments typed by its id. */
export type CommandCall = { [K in CommandId]: CommandCallOf<K> }[CommandId];

/** A typed call: a wrong id or arguments that do not fit the id are compile errors. */
export function commandCall<K extends CommandId>(id: K, ...args: CommandArgs[K]): CommandCallOf<K> {
  return { id, arguments: args };
}
