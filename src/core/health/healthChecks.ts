/** The checks in report order. Weights sum to 100 and are printed with the score. */
import type { HealthCheck } from './healthFinding';
import { cacheHitRatio } from './checks/cacheHitRatio';
import { connectionUse } from './checks/connectionUse';
import { harmfulSettings } from './checks/harmfulSettings';
import { indexBloat } from './checks/indexBloat';
import { invalidIndexes } from './checks/invalidIndexes';
import { longRunningSessions } from './checks/longRunningSessions';
import { redundantIndexes } from './checks/redundantIndexes';
import { seqScanHeavyTables } from './checks/seqScanHeavyTables';
import { tableBloat } from './checks/tableBloat';
import { unindexedForeignKeys } from './checks/unindexedForeignKeys';
import { unusedIndexes } from './checks/unusedIndexes';
import { vacuumAnalyze } from './checks/vacuumAnalyze';

export const healthChecks: readonly HealthCheck[] = [
  unindexedForeignKeys,
  unusedIndexes,
  redundantIndexes,
  invalidIndexes,
  seqScanHeavyTables,
  tableBloat,
  indexBloat,
  vacuumAnalyze,
  cacheHitRatio,
  connectionUse,
  longRunningSessions,
  harmfulSettings,
];
