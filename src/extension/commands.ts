/** Command id → handler, one file per command; `commandTable.ts` holds the ids and titles package.json declares. */
import type { CommandId } from './commandTable';
import type { CommandFactory } from './commands/command';
import { addConnection } from './commands/addConnection';
import { applyIndexSuggestion } from './commands/applyIndexSuggestion';
import { copyPlanJson } from './commands/copyPlanJson';
import { comparePlans } from './commands/comparePlans';
import { compareWithPrevious } from './commands/compareWithPrevious';
import { copyPlanForSharing } from './commands/copyPlanForSharing';
import { explainAndOptimize } from './commands/explainAndOptimize';
import { explainEstimate } from './commands/explainEstimate';
import { explainStatementAt } from './commands/explainStatementAt';
import { explainTopStatement } from './commands/explainTopStatement';
import { measureRoundTrips } from './commands/measureRoundTrips';
import { openPlanFromClipboard } from './commands/openPlanFromClipboard';
import { openPlanFromFile } from './commands/openPlanFromFile';
import { openUntitledSql } from './commands/openUntitledSql';
import { orderTopQueries } from './commands/orderTopQueries';
import { refreshTopQueries } from './commands/refreshTopQueries';
import { saveReport } from './commands/saveReport';
import { selectConnection } from './commands/selectConnection';
import { showHealthReport } from './commands/showHealthReport';
import { showInPlan } from './commands/showInPlan';
import { suggestIndexesAndRewrites } from './commands/suggestIndexesAndRewrites';
import { suggestWorkloadIndexes } from './workload/suggestWorkloadIndexes';

export const commandFactories: Record<CommandId, CommandFactory> = {
  'pgTuner.explainAndOptimize': explainAndOptimize,
  'pgTuner.explainEstimate': explainEstimate,
  'pgTuner.openPlanFromClipboard': openPlanFromClipboard,
  'pgTuner.openPlanFromFile': openPlanFromFile,
  'pgTuner.selectConnection': selectConnection,
  'pgTuner.addConnection': addConnection,
  'pgTuner.copyPlanJson': copyPlanJson,
  'pgTuner.saveReport': saveReport,
  'pgTuner.explainStatementAt': explainStatementAt,
  'pgTuner.showInPlan': showInPlan,
  'pgTuner.openUntitledSql': openUntitledSql,
  'pgTuner.refreshTopQueries': refreshTopQueries,
  'pgTuner.orderTopQueries': orderTopQueries,
  'pgTuner.explainTopStatement': explainTopStatement,
  'pgTuner.showHealthReport': showHealthReport,
  'pgTuner.suggestIndexesAndRewrites': suggestIndexesAndRewrites,
  'pgTuner.applyIndexSuggestion': applyIndexSuggestion,
  'pgTuner.measureRoundTrips': measureRoundTrips,
  'pgTuner.compareWithPrevious': compareWithPrevious,
  'pgTuner.comparePlans': comparePlans,
  'pgTuner.copyPlanForSharing': copyPlanForSharing,
  'pgTuner.suggestWorkloadIndexes': suggestWorkloadIndexes,
};
