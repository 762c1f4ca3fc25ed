/**
 * The extension's commands as data: ids, titles and where they appear. Kept free of `vscode` so a unit test can
 * check it against `contributes.commands` in package.json; the handlers live in `commands/`, one file each.
 */
export const commandCategory = 'PostgreSQL Query Tuner';

export type CommandId =
  | 'pgTuner.explainAndOptimize'
  | 'pgTuner.explainEstimate'
  | 'pgTuner.openPlanFromClipboard'
  | 'pgTuner.openPlanFromFile'
  | 'pgTuner.selectConnection'
  | 'pgTuner.addConnection'
  | 'pgTuner.copyPlanJson'
  | 'pgTuner.saveReport'
  | 'pgTuner.explainStatementAt'
  | 'pgTuner.showInPlan'
  | 'pgTuner.openUntitledSql'
  | 'pgTuner.refreshTopQueries'
  | 'pgTuner.orderTopQueries'
  | 'pgTuner.explainTopStatement'
  | 'pgTuner.showHealthReport'
  | 'pgTuner.suggestIndexesAndRewrites'
  | 'pgTuner.applyIndexSuggestion'
  | 'pgTuner.measureRoundTrips'
  | 'pgTuner.compareWithPrevious'
  | 'pgTuner.comparePlans'
  | 'pgTuner.copyPlanForSharing';

export interface CommandSpec {
  id: CommandId;
  title: string;
  /** False for commands that only links and code actions call with arguments. */
  inPalette: boolean;
}

export const commandSpecs: readonly CommandSpec[] = [
  { id: 'pgTuner.explainAndOptimize', title: 'Explain and Optimize', inPalette: true },
  { id: 'pgTuner.explainEstimate', title: 'Explain (estimate only, no ANALYZE)', inPalette: true },
  { id: 'pgTuner.openPlanFromClipboard', title: 'Open Plan from Clipboard', inPalette: true },
  { id: 'pgTuner.openPlanFromFile', title: 'Open Plan from File', inPalette: true },
  { id: 'pgTuner.selectConnection', title: 'Select Connection', inPalette: true },
  { id: 'pgTuner.addConnection', title: 'Add Connection', inPalette: true },
  { id: 'pgTuner.copyPlanJson', title: 'Copy Plan as JSON', inPalette: true },
  { id: 'pgTuner.saveReport', title: 'Save Report', inPalette: true },
  { id: 'pgTuner.explainStatementAt', title: 'Explain and Optimize this statement', inPalette: false },
  { id: 'pgTuner.showInPlan', title: 'Show in Plan', inPalette: false },
  { id: 'pgTuner.openUntitledSql', title: 'Open SQL in a New Editor', inPalette: false },
  { id: 'pgTuner.refreshTopQueries', title: 'Refresh Top Queries', inPalette: true },
  { id: 'pgTuner.orderTopQueries', title: 'Order Top Queries By…', inPalette: true },
  { id: 'pgTuner.explainTopStatement', title: 'Open and Explain Statement', inPalette: false },
  { id: 'pgTuner.showHealthReport', title: 'Show Health Report', inPalette: true },
  { id: 'pgTuner.suggestIndexesAndRewrites', title: 'Suggest Indexes and Rewrites', inPalette: true },
  { id: 'pgTuner.applyIndexSuggestion', title: 'Open Index Suggestion DDL', inPalette: false },
  { id: 'pgTuner.measureRoundTrips', title: 'Measure Round Trips (N+1)', inPalette: true },
  { id: 'pgTuner.compareWithPrevious', title: 'Compare with Previous Plan', inPalette: true },
  { id: 'pgTuner.comparePlans', title: 'Compare Plans…', inPalette: true },
  { id: 'pgTuner.copyPlanForSharing', title: 'Copy Plan for Sharing', inPalette: true },
];
