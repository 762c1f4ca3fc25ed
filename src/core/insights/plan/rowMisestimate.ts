/** row-misestimate: the planner's row estimate for a node is off by 10× or more per loop, where it steered the plan. */
import type { ColumnStats, TableStats } from '../../db/catalog';
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { columnFigures, distinctCount } from './columnStatistics';
import { andedConditionCount, conditionColumns, conditionFunctions } from './conditionColumns';
import { groupingCause } from './groupingEstimate';
import { formatCount, formatPercent } from '../../text/formatNumbers';
import {
  ancestors,
  inclusiveShare,
  isJoin,
  numberField,
  qualifiedTable,
  quoteIdent,
  stringField,
  tableOf,
} from './planFacts';
import { planIndex } from './planIndex';

export const ROW_MISESTIMATE = 'row-misestimate';

/** 10× per loop: below that the planner's choices rarely change (its cost curves are flat over small factors). */
export const MISESTIMATE_FACTOR = 10;
/** Either side must reach 100 rows per loop: 1 row expected and 9 found changes no plan. */
export const MIN_ROWS_PER_LOOP = 100;
/** A node that holds under 5 % of the time and feeds no decision does not matter. */
export const MIN_TIME_SHARE = 0.05;
/** A node whose child is off in the same direction by at least a third of its own factor only inherits the error. */
export const INHERITED_RATIO = 3;
/** 1,000× wrong under a join or aggregate that holds half the time: the plan is very likely the wrong one. */
export const CRITICAL_FACTOR = 1000;
export const CRITICAL_TIME_SHARE = 0.5;
/** A table changed by 20 % since its last ANALYZE has stale statistics (autovacuum's own default is 10 % + 50 rows). */
export const STALE_MODIFIED_SHARE = 0.2;

/** Nodes that only pass their child's rows on: their estimate is the child's. */
const PASS_THROUGH = new Set([
  'Hash',
  'Materialize',
  'Memoize',
  'Gather',
  'Gather Merge',
  'Sort',
  'Incremental Sort',
  'Unique',
  'Limit',
  'Result',
]);

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  if (!plan.analyzed) return [];
  const flagged = new Set<number>();
  const insights: Insight[] = [];
  // Children first, so that a parent can tell whether it only inherits its child's error.
  for (const node of [...plan.nodes].reverse()) {
    if (!isMisestimated(context, node)) continue;
    flagged.add(node.id);
    if (inherits(node, flagged)) continue;
    if (!matters(context, node)) continue;
    insights.push(insightFor(context, node));
  }
  return insights.reverse();
}

function perLoop(node: PlanNode): { actual: number; estimate: number } {
  return { actual: numberField(node.fields, 'Actual Rows') ?? 0, estimate: numberField(node.fields, 'Plan Rows') ?? 0 };
}

function isMisestimated(context: PlanRuleContext, node: PlanNode): boolean {
  if (planIndex(context).ran[node.id] !== 1 || PASS_THROUGH.has(node.fields['Node Type'])) return false;
  const m = node.metrics;
  // A node cut short by a LIMIT, a Merge Join or a semi join has no overestimate to report: parsePlan cleared it
  // (plan/earlyStop.ts).
  if (m.misestimateFactor < MISESTIMATE_FACTOR || m.misestimateDirection === 'none') return false;
  const { actual, estimate } = perLoop(node);
  return Math.max(actual, estimate) >= MIN_ROWS_PER_LOOP;
}

function inherits(node: PlanNode, flagged: Set<number>): boolean {
  const own = node.metrics;
  return descendantsThroughPassThrough(node).some(
    (c) =>
      flagged.has(c.id) &&
      c.metrics.misestimateDirection === own.misestimateDirection &&
      c.metrics.misestimateFactor * INHERITED_RATIO >= own.misestimateFactor,
  );
}

/** Direct children, looking through nodes that only pass rows on (a Hash's estimate is its child's). */
function descendantsThroughPassThrough(node: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  // Pre-order with an explicit stack: a chain of pass-through nodes can be thousands of levels long.
  const stack: PlanNode[] = [];
  for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  while (stack.length > 0) {
    const child = stack.pop() as PlanNode;
    out.push(child);
    if (PASS_THROUGH.has(child.fields['Node Type']))
      for (let i = child.children.length - 1; i >= 0; i--) stack.push(child.children[i]);
  }
  return out;
}

/** The estimate mattered if the node holds real time or if a join, hash, sort or aggregate was chosen on it. */
function matters(context: PlanRuleContext, node: PlanNode): boolean {
  if (inclusiveShare(context.plan, node) >= MIN_TIME_SHARE) return true;
  return ancestors(context.plan, node, 3).some(
    (a) => isJoin(a) || ['Aggregate', 'Sort', 'Hash'].includes(a.fields['Node Type']),
  );
}

function insightFor(context: PlanRuleContext, node: PlanNode): Insight {
  const m = node.metrics;
  const { actual, estimate } = perLoop(node);
  const under = m.misestimateDirection === 'under';
  const factor = m.misestimateFactor;
  const share = inclusiveShare(context.plan, node);
  const decides = ancestors(context.plan, node, 3).some((a) => isJoin(a) || a.fields['Node Type'] === 'Aggregate');
  let severity: Severity = 'warning';
  if (factor >= CRITICAL_FACTOR && decides && share >= CRITICAL_TIME_SHARE) severity = 'critical';
  else if (!decides && share < MIN_TIME_SHARE * 4) severity = 'info';

  const loopsText = (numberField(node.fields, 'Actual Loops') ?? 1) > 1 ? ' per loop' : '';
  const title =
    `${nodeLabel(node)}: planner expected ${formatCount(estimate)} rows${loopsText}, got ${formatCount(actual)} ` +
    `(${formatCount(factor)}× ${under ? 'under' : 'over'}estimated)`;
  const evidence: Evidence[] = [
    { label: 'estimated rows', value: estimate, unit: `rows${loopsText}` },
    { label: 'actual rows', value: actual, unit: `rows${loopsText}` },
    { label: 'factor', value: `${formatCount(factor)}×` },
    { label: 'direction', value: under ? 'underestimate' : 'overestimate' },
    { label: 'share of query time (this node and below)', value: formatPercent(share) },
  ];
  const grounds = statisticsGrounds(context, node, evidence);
  const causes = likelyCauses(context, node, evidence, grounds);
  const grouping = node.fields['Node Type'] === 'Aggregate' || node.fields['Node Type'] === 'Group';
  const consequence =
    grouping && !under
      ? 'Believing many groups come, the planner sizes the grouping for them (a hash table, or a sort where hashing ' +
        'would fit in memory) and plans the nodes above for that many rows.'
      : under
        ? 'Believing few rows come, the planner picks plans that are cheap for few rows: nested loops, index probes per ' +
          'row, hashes sized too small, in-memory sorts that then spill.'
        : 'Believing many rows come, the planner picks plans built for volume (hash joins, full scans, parallel workers) ' +
          'where a direct index lookup would have done.';
  const explanation =
    `PostgreSQL chose this plan believing ${nodeLabel(node)} returns ${formatCount(estimate)} rows${loopsText}; it ` +
    `returned ${formatCount(actual)}. ${consequence}` +
    (causes.length > 0 ? ` Likely cause: ${causes.map((c) => c.why).join(' ')}` : '');
  const suggestion = causes.length > 0 ? causes.map((c) => c.fix).join(' ') : fallbackSuggestion(grounds);
  return { ruleId: ROW_MISESTIMATE, severity, nodeIds: [node.id], title, explanation, suggestion, evidence };
}

/**
 * Conditions on two or more columns of one scan, combined with AND. The planner multiplies their selectivities;
 * pg_stats tells whether that product is what it estimated (then the columns being related explains the
 * error), and which CREATE STATISTICS kind applies: `dependencies` only helps equality conditions, `mcv` also
 * ranges and IN lists, `ndistinct` only GROUP BY and DISTINCT.
 */
function correlatedColumns(
  context: PlanRuleContext,
  node: PlanNode,
  condition: string,
  columns: string[],
  table: string,
  evidence: Evidence[],
): Cause[] {
  const relation = stringField(node.fields, 'Relation Name');
  const schema = stringField(node.fields, 'Schema');
  const colStats = columns.map((c) =>
    context.catalog?.columns.find(
      (s) => s.table === relation && s.column === c && (schema === undefined || s.schema === schema),
    ),
  );
  const known = colStats.filter((c): c is ColumnStats => c !== undefined);
  for (const c of known) evidence.push({ label: `pg_stats ${c.column}`, value: columnFigures(c) });
  const equality = columns.every((c) => isEqualityOn(condition, c));
  const rows = tableOf(context, node)?.estimatedRows;
  const { estimate, actual } = perLoop(node);
  // Equality on each column: the planner's estimate is about rows × Π 1/n_distinct when it took them as independent.
  let independent: number | undefined;
  if (equality && rows !== undefined && rows > 0 && known.length === columns.length) {
    independent = known.reduce((r, c) => r / Math.max(distinctCount(c, rows), 1), rows);
    evidence.push({
      label: 'estimate if independent (reltuples × Π 1/n_distinct)',
      value: Math.round(independent),
      unit: 'rows',
    });
  }
  const multiplied =
    independent !== undefined &&
    estimate > 0 &&
    independent / estimate < 3 &&
    estimate / Math.max(independent, 1e-9) < 3;
  if (known.length === columns.length && !multiplied && independent !== undefined) {
    // The estimate is not the product of the columns' selectivities: something else (MCV lists, skew) drove it.
    return [
      {
        why:
          `the estimate (${formatCount(estimate)}) is not the product of the columns' selectivities ` +
          `(${formatCount(Math.round(independent))} from n_distinct), so the columns being related does not explain it; the ` +
          'values are likely skewed beyond what the statistics sample saw.',
        fix:
          `Raise the statistics target of ${columns.map(quoteIdent).join(', ')} (ALTER TABLE ${table} ALTER COLUMN … SET ` +
          `STATISTICS 1000; ANALYZE ${table};) and compare the estimate again.`,
      },
    ];
  }
  const kinds = equality ? 'dependencies, mcv' : 'mcv';
  evidence.push({
    label: 'CREATE STATISTICS kind',
    value: equality
      ? 'dependencies, mcv (equality conditions)'
      : 'mcv (ranges or lists: dependencies only help equality)',
  });
  const name = `${relation ?? 'tbl'}_${columns.join('_')}_stats`.slice(0, 63);
  const grounded = multiplied
    ? ` pg_stats confirms it: ${known.map((c) => `${c.column} has ${formatCount(distinctCount(c, rows ?? 0))} distinct values`).join(', ')}, ` +
      `so independent columns give ${formatCount(Math.round(independent ?? 0))} rows, the estimate; ${formatCount(actual)} came.`
    : '';
  return [
    {
      why:
        `the conditions on ${columns.join(', ')} are estimated as if independent (their selectivities are ` +
        `multiplied); when the columns are related the real result is much larger.${grounded}`,
      fix:
        `Teach the planner the relation: CREATE STATISTICS ${quoteIdent(name)} (${kinds}) ON ` +
        `${columns.map(quoteIdent).join(', ')} FROM ${table}; ANALYZE ${table};`,
    },
  ];
}

interface Cause {
  why: string;
  fix: string;
}

/**
 * What the catalog says about the node's table statistics, read before any advice about them: when the table
 * was last analysed (pg_stat_user_tables), how many rows changed since, and whether that makes them stale.
 */
interface StatisticsGrounds {
  /** The node's table as written in SQL, when it reads one. */
  table?: string;
  /** Absent when no catalog was read (a pasted plan) or the table is not in it. */
  stats?: TableStats;
  /** The later of last_analyze and last_autoanalyze. */
  analyzedAt?: string;
  state: 'never' | 'stale' | 'fresh' | 'unknown';
}

/**
 * The node whose table's statistics the estimate rests on: the node itself when it reads a table; for a grouping
 * (Aggregate, Group) the scan below it when everything below reads one table, since its group count comes from
 * that table's pg_stats. Over a join the tables are several, and none is named.
 */
function statisticsSource(node: PlanNode): PlanNode {
  if (node.fields['Relation Name'] !== undefined) return node;
  if (node.fields['Node Type'] !== 'Aggregate' && node.fields['Node Type'] !== 'Group') return node;
  const tables = new Set<string>();
  let first: PlanNode | undefined;
  // Pre-order with an explicit stack (plans come thousands of levels deep); `first` is the first in plan order.
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as PlanNode;
    const name = n.fields['Relation Name'];
    if (typeof name === 'string') {
      tables.add(`${String(n.fields['Schema'] ?? '')}.${name}`);
      first ??= n;
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return tables.size === 1 && first ? first : node;
}

function statisticsGrounds(context: PlanRuleContext, planNode: PlanNode, evidence: Evidence[]): StatisticsGrounds {
  const node = statisticsSource(planNode);
  const table = qualifiedTable(node);
  const stats = table ? tableOf(context, node) : undefined;
  if (!table || !stats) return { table, state: 'unknown' };
  const analyzedAt = laterOf(stats.lastAnalyze, stats.lastAutoAnalyze);
  if (!analyzedAt || stats.estimatedRows < 0) {
    evidence.push({ label: 'last analyze', value: 'never' });
    return { table, stats, state: 'never' };
  }
  evidence.push({ label: 'last analyze', value: analyzedAt });
  if (stats.lastAnalyze && stats.lastAutoAnalyze) {
    evidence.push({
      label: 'analyzed by',
      value: analyzedAt === stats.lastAnalyze ? 'ANALYZE (last_analyze)' : 'autovacuum (last_autoanalyze)',
    });
  } else {
    evidence.push({
      label: 'analyzed by',
      value: stats.lastAnalyze ? 'ANALYZE (last_analyze)' : 'autovacuum (last_autoanalyze)',
    });
  }
  const modified = stats.modificationsSinceAnalyze;
  if (modified !== undefined) evidence.push({ label: 'rows changed since', value: modified, unit: 'rows' });
  evidence.push({ label: 'rows per statistics (pg_class)', value: stats.estimatedRows, unit: 'rows' });
  const stale = modified !== undefined && modified >= STALE_MODIFIED_SHARE * Math.max(stats.estimatedRows, 1);
  return { table, stats, analyzedAt, state: stale ? 'stale' : modified === undefined ? 'unknown' : 'fresh' };
}

/** The later of two timestamps as PostgreSQL prints them ("2026-11-25 22:56:38.15+00"). */
function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a.replace(' ', 'T')) >= Date.parse(b.replace(' ', 'T')) ? a : b;
}

/** No cause found: advise ANALYZE only when the catalog does not show the statistics are fresh, and say why. */
function fallbackSuggestion(grounds: StatisticsGrounds): string {
  const rest =
    'look for conditions on related columns (CREATE STATISTICS), functions or expressions on columns (an ' +
    "expression index gives them statistics), skewed values (raise the column's statistics target), or a LIMIT " +
    'that makes the planner expect an early stop.';
  if (grounds.state === 'fresh' && grounds.stats && grounds.table) {
    return (
      `The statistics of ${grounds.table} are current (last analysed ${grounds.analyzedAt}, ` +
      `${formatCount(grounds.stats.modificationsSinceAnalyze ?? 0)} rows changed since, of ` +
      `${formatCount(grounds.stats.estimatedRows)}): ANALYZE alone will not change this estimate; ${rest}`
    );
  }
  return (
    'Check when the tables involved were last analysed (pg_stat_user_tables: last_analyze, last_autoanalyze, ' +
    `n_mod_since_analyze) and run ANALYZE if many rows changed since; if the estimate stays wrong, ${rest}`
  );
}

/** Equality with a constant or parameter: the only kind of condition functional dependencies help. */
function isEqualityOn(condition: string, column: string): boolean {
  const col = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return (
    new RegExp(`(?:^|[\\s(.])"?${col}"?\\)?(?:::[\\w ]+)?\\s*=\\s*(?!ANY)`, 'i').test(condition) &&
    !new RegExp(`(?:^|[\\s(.])"?${col}"?\\)?(?:::[\\w ]+)?\\s*(?:<|>|<=|>=|<>|~~|!~~)\\s`, 'i').test(condition)
  );
}

function likelyCauses(
  context: PlanRuleContext,
  node: PlanNode,
  evidence: Evidence[],
  grounds: StatisticsGrounds,
): Cause[] {
  const causes: Cause[] = [];
  const f = node.fields;
  const { table, stats } = grounds;
  if (table && stats) {
    const modified = stats.modificationsSinceAnalyze;
    if (grounds.state === 'never') {
      causes.push({
        why: `${table} has never been analysed (pg_stat_user_tables shows no last_analyze nor last_autoanalyze), so the planner has no statistics for it.`,
        fix: `Run ANALYZE ${table};`,
      });
    } else if (grounds.state === 'stale' && modified !== undefined) {
      causes.push({
        why:
          `stale statistics: ${formatCount(modified)} rows of ${table} changed since its last ANALYZE, which saw ` +
          `${formatCount(stats.estimatedRows)} rows.`,
        fix:
          `Run ANALYZE ${table}; if the table changes this fast all the time, lower its ` +
          `autovacuum_analyze_scale_factor (ALTER TABLE ${table} SET (autovacuum_analyze_scale_factor = 0.02)).`,
      });
    }
  }
  const grouping = groupingCause(context, node, evidence);
  if (grouping) causes.push(grouping);
  const conditions = [stringField(f, 'Filter'), stringField(f, 'Index Cond'), stringField(f, 'Recheck Cond')].filter(
    (c): c is string => c !== undefined,
  );
  const condition = conditions.join(' AND ');
  if (condition) {
    evidence.push({ label: 'condition', value: condition });
    const functions = conditionFunctions(condition);
    let columns = conditionColumns(condition);
    const known = planIndex(context).columnNamesOf(stringField(f, 'Relation Name'));
    if (known && known.length > 0) columns = columns.filter((c) => known.includes(c));
    const anded = conditions.reduce((n, c) => n + andedConditionCount(c), 0);
    if (table && columns.length >= 2 && anded >= 2)
      causes.push(...correlatedColumns(context, node, condition, columns, table, evidence));
    if (functions.length > 0) {
      causes.push({
        why:
          `${functions.join(', ')}() applied to a column has no statistics, so the planner falls back to a fixed guess ` +
          '(0.5 % for equality, 33 % for ranges).',
        fix:
          'Give the expression statistics: an expression index on it (which also serves the lookup), or ' +
          'CREATE STATISTICS on the expression (PostgreSQL 14+), then ANALYZE.',
      });
    }
    if (/\$\d+/.test(condition)) {
      causes.push({
        why: 'the condition compares with a parameter; a generic plan estimates it without knowing the value.',
        fix: 'Compare with plan_cache_mode = force_custom_plan, or explain with the literal values.',
      });
    }
  }
  if (isJoin(node) && causes.length === 0) {
    causes.push({
      why:
        'the join condition matches far more (or fewer) pairs than the column statistics predict: skewed join keys or ' +
        'columns that depend on each other across the two tables.',
      fix:
        'Check the estimates of both inputs first; raise the statistics target of the join columns ' +
        '(ALTER TABLE … ALTER COLUMN … SET STATISTICS 1000; ANALYZE) if the keys are skewed.',
    });
  }
  if (context.statement?.limit && node.metrics.misestimateDirection === 'under') {
    causes.push({
      why: 'the statement has a LIMIT, and the planner plans for stopping early.',
      fix: 'If the LIMIT is rarely reached, the plan chosen for an early stop runs to the end: check it without the LIMIT.',
    });
  }
  return causes;
}

export const rowMisestimate: PlanRule = { id: ROW_MISESTIMATE, kind: 'plan', check };
