/**
 * Plan regressions of a statement against its baseline, from the compare engine (matched nodes, totals,
 * spills): the estimated cost grew past a ratio, a large table read through an index is now read by a Seq
 * Scan, a sort or hash spills to disk that did not (measured in analysed plans; in estimate-only plans, expected
 * from the planner's rows × width against work_mem). Which of them fail the run is the user's `--fail-on`.
 */
import { comparePlans } from '../compare/comparePlans';
import type { CatalogSnapshot } from '../db/catalog';
import type { Plan, PlanNode } from '../plan/planNode';
import { nodeLabel } from '../plan/planNode';
import { DEFAULT_WORK_MEM_KB, settingKb } from '../insights/plan/workMem';
import { formatCount } from '../text/formatNumbers';
import type { CheckOwnRuleId } from './checkRules';

export type RegressionKind = 'cost' | 'seq-scan' | 'spill';

export interface RegressionThresholds {
  /** Report when the total estimated cost is at least this many times the baseline's (default 2). */
  costRatio: number;
}

export const defaultRegressionThresholds: RegressionThresholds = { costRatio: 2 };

/** Rows from which a table is "large" for the Seq Scan regression: below, reading it whole is cheap. */
export const LARGE_TABLE_ROWS = 10_000;

export interface Regression {
  kind: RegressionKind;
  ruleId: CheckOwnRuleId;
  message: string;
  /** Cost after / before, for cost. */
  ratio?: number;
}

const ruleOf: Record<RegressionKind, CheckOwnRuleId> = {
  cost: 'plan-regression-cost',
  'seq-scan': 'plan-regression-seq-scan',
  spill: 'plan-regression-spill',
};

const indexedAccess = /^(Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)$/;

function tableRows(catalog: CatalogSnapshot | undefined, relation: string | undefined): number | undefined {
  if (!catalog || !relation) return undefined;
  const table = catalog.tables.find((t) => t.name === relation || `${t.schema}.${t.name}` === relation);
  return table?.estimatedRows;
}

function ratioText(ratio: number): string {
  return ratio >= 10 ? `${Math.round(ratio)}×` : `${ratio.toFixed(1)}×`;
}

/** What got worse from `before` (the baseline) to `after`; `catalog` (of the after run) sizes the tables. */
export function findRegressions(
  before: Plan,
  after: Plan,
  thresholds: RegressionThresholds,
  catalog?: CatalogSnapshot,
): Regression[] {
  const comparison = comparePlans(before, after);
  const out: Regression[] = [];
  const cost = comparison.totals.cost;
  if (cost.ratio !== undefined && cost.ratio >= thresholds.costRatio) {
    out.push({
      kind: 'cost',
      ruleId: ruleOf.cost,
      ratio: cost.ratio,
      message: `Estimated cost ${ratioText(cost.ratio)} the baseline (${formatCount(Math.round(cost.before))} → ${formatCount(Math.round(cost.after))}).`,
    });
  }
  for (const match of comparison.matches) {
    if (!match.typeChange || match.typeChange.after !== 'Seq Scan' || !indexedAccess.test(match.typeChange.before))
      continue;
    const node = after.nodes[match.afterId];
    const relation = node?.fields['Relation Name'];
    const rows = tableRows(catalog, typeof relation === 'string' ? relation : undefined);
    // Without a catalog the table's size is unknown: the change is reported rather than missed.
    if (rows !== undefined && rows < LARGE_TABLE_ROWS) continue;
    out.push({
      kind: 'seq-scan',
      ruleId: ruleOf['seq-scan'],
      message: `${match.afterLabel} was ${match.beforeLabel} in the baseline${rows !== undefined ? ` (table of about ${formatCount(rows)} rows)` : ''}.`,
    });
  }
  for (const spill of comparison.spills.appeared) {
    out.push({
      kind: 'spill',
      ruleId: ruleOf.spill,
      message: `${spill.label} spills to disk (${spill.detail}); it did not in the baseline.`,
    });
  }
  if (!after.analyzed) {
    // An estimate-only plan shows no spill; the planner's own test is the one used here: the estimated rows ×
    // width against work_mem (× hash_mem_multiplier for hashes), as cost_sort and the hash join costing weigh them.
    const memory = memoryLimits(catalog);
    const matchedBefore = new Map(comparison.matches.map((m) => [m.afterId, before.nodes[m.beforeId]]));
    for (const node of after.nodes) {
      const need = expectedSpillBytes(node, memory);
      if (need === undefined) continue;
      const was = matchedBefore.get(node.id);
      if (was && expectedSpillBytes(was, memory) !== undefined) continue;
      out.push({
        kind: 'spill',
        ruleId: ruleOf.spill,
        message: `${nodeLabel(node)} is expected to spill to disk (about ${formatBytes(need)} estimated, over work_mem ${formatBytes(memory.workMemBytes)}); it fit in the baseline.`,
      });
    }
  }
  return out;
}

interface MemoryLimits {
  workMemBytes: number;
  hashMultiplier: number;
}

function memoryLimits(catalog: CatalogSnapshot | undefined): MemoryLimits {
  const settings = catalog?.server.settings ?? {};
  const multiplier = Number(settings['hash_mem_multiplier']);
  return {
    workMemBytes: (settingKb(settings['work_mem']) ?? DEFAULT_WORK_MEM_KB) * 1024,
    hashMultiplier: Number.isFinite(multiplier) && multiplier > 0 ? multiplier : 2,
  };
}

/** The estimated bytes a Sort, Hash or hashed Aggregate needs when they exceed its memory, else undefined. */
function expectedSpillBytes(node: PlanNode, memory: MemoryLimits): number | undefined {
  const type = node.fields['Node Type'];
  const rows = node.fields['Plan Rows'];
  const width = node.fields['Plan Width'];
  if (typeof rows !== 'number' || typeof width !== 'number') return undefined;
  const hashed = type === 'Hash' || (type === 'Aggregate' && node.fields['Strategy'] === 'Hashed');
  if (type !== 'Sort' && !hashed) return undefined;
  const bytes = rows * width;
  const limit = hashed ? memory.workMemBytes * memory.hashMultiplier : memory.workMemBytes;
  return bytes > limit ? bytes : undefined;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
}
