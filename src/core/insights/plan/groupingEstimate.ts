/**
 * Why a GROUP BY's group count is misestimated when it groups by several columns of one table. Without
 * extended statistics the planner takes the columns as independent: groups = Π n_distinct, clamped to 10 % of
 * the table's rows (its own fudge for "probably correlated") but never below the largest single n_distinct,
 * scaled down for a filtered scan, and at most the input rows (selfuncs.c, estimate_num_groups). When pg_stats
 * reproduces the estimate that way and the actual count is far lower, the columns are related, and
 * `CREATE STATISTICS … (ndistinct)` gives the planner the real number of combinations.
 */
import type { ColumnStats } from '../../db/catalog';
import type { PlanNode } from '../../plan/planNode';
import { formatCount } from '../../text/formatNumbers';
import type { Evidence, PlanRuleContext } from '../insight';
import { columnFigures, distinctCount } from './columnStatistics';
import { numberField, qualifiedTable, quoteIdent, stringField, tableOf } from './planFacts';
import { planIndex } from './planIndex';

export interface GroupingCause {
  why: string;
  fix: string;
}

/** The planner's estimate counts as "the independent product" within this factor (its rounding, sampling). */
const SAME_ESTIMATE = 3;
/** Grouping by several columns: the planner clamps the product to this share of the table's rows. */
const MULTI_COLUMN_CLAMP = 0.1;

interface KeyColumn {
  alias?: string;
  column: string;
}

/** "t.city", "city", "\"Zip\"": a plain column; an expression ("lower(city)", "(a + b)") gives undefined. */
function keyColumn(key: string): KeyColumn | undefined {
  const m = /^(?:("?)([A-Za-z_][\w$]*)\1\.)?("?)([A-Za-z_][\w$]*)\3$/.exec(key.trim());
  return m ? { alias: m[2], column: m[4] } : undefined;
}

/** Scans below the aggregate, not below another aggregate (a subquery's grouping is its own). */
function scansBelow(node: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack = [...node.children];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.fields['Node Type'] === 'Aggregate' || n.fields['Node Type'] === 'Group') continue;
    if (stringField(n.fields, 'Relation Name') !== undefined) out.push(n);
    // One by one: spreading an Append's 200,000 children as arguments overflows the call stack.
    for (const c of n.children) stack.push(c);
  }
  return out;
}

/** The one scan every key column comes from, or undefined when they span tables or can't be placed. */
function tableOfKeys(context: PlanRuleContext, keys: KeyColumn[], scans: PlanNode[]): PlanNode | undefined {
  const index = planIndex(context);
  let found: PlanNode | undefined;
  for (const k of keys) {
    const candidates =
      k.alias !== undefined
        ? scans.filter((s) => (stringField(s.fields, 'Alias') ?? stringField(s.fields, 'Relation Name')) === k.alias)
        : scans.filter((s) => index.columnNamesOf(stringField(s.fields, 'Relation Name'))?.includes(k.column));
    const relations = new Set(
      candidates.map((s) => `${stringField(s.fields, 'Schema') ?? ''}.${stringField(s.fields, 'Relation Name')}`),
    );
    if (relations.size !== 1) return undefined;
    const scan = candidates[0];
    if (found && stringField(found.fields, 'Relation Name') !== stringField(scan.fields, 'Relation Name'))
      return undefined;
    found ??= scan;
  }
  return found;
}

/**
 * The cause of an overestimated group count at an Aggregate or Group node whose keys are two or more
 * columns of one table, grounded on pg_stats; undefined when the figures don't show the columns are related.
 */
export function groupingCause(
  context: PlanRuleContext,
  node: PlanNode,
  evidence: Evidence[],
): GroupingCause | undefined {
  const type = node.fields['Node Type'];
  if ((type !== 'Aggregate' && type !== 'Group') || node.metrics.misestimateDirection !== 'over') return undefined;
  const rawKeys = node.fields['Group Key'];
  if (!Array.isArray(rawKeys) || rawKeys.length < 2) return undefined;
  const keys: KeyColumn[] = [];
  for (const raw of rawKeys) {
    const k = typeof raw === 'string' ? keyColumn(raw) : undefined;
    if (!k) return undefined;
    if (!keys.some((x) => x.column === k.column && x.alias === k.alias)) keys.push(k);
  }
  if (keys.length < 2) return undefined;
  const scan = tableOfKeys(context, keys, scansBelow(node));
  const table = scan ? qualifiedTable(scan) : undefined;
  const tableStats = scan ? tableOf(context, scan) : undefined;
  if (!scan || !table || !tableStats || tableStats.estimatedRows <= 0) return undefined;
  const relation = stringField(scan.fields, 'Relation Name');
  const schema = stringField(scan.fields, 'Schema');
  const stats = keys.map((k) =>
    context.catalog?.columns.find(
      (c) => c.table === relation && c.column === k.column && (schema === undefined || c.schema === schema),
    ),
  );
  if (stats.some((c) => c === undefined)) return undefined;
  const columns = stats as ColumnStats[];

  const tuples = tableStats.estimatedRows;
  const distinct = columns.map((c) => distinctCount(c, tuples));
  const product = distinct.reduce((p, d) => p * Math.max(d, 1), 1);
  const largest = Math.max(...distinct);
  const clamp = Math.max(MULTI_COLUMN_CLAMP * tuples, largest);
  let independent = Math.min(product, clamp);
  // A filtered scan sees part of the table: fewer of the combinations occur (the planner's own formula).
  const scanRows = numberField(scan.fields, 'Plan Rows');
  if (scanRows !== undefined && scanRows < tuples)
    independent *= 1 - Math.pow((tuples - scanRows) / tuples, tuples / independent);
  const inputRows = numberField(node.children[0]?.fields ?? {}, 'Plan Rows');
  if (inputRows !== undefined) independent = Math.min(independent, inputRows);
  independent = Math.max(1, Math.round(independent));

  const estimate = numberField(node.fields, 'Plan Rows') ?? 0;
  const actual = numberField(node.fields, 'Actual Rows') ?? 0;
  if (estimate <= 0 || independent / estimate > SAME_ESTIMATE || estimate / independent > SAME_ESTIMATE)
    return undefined;

  const names = keys.map((k) => k.column);
  for (const c of columns) evidence.push({ label: `pg_stats ${c.column}`, value: columnFigures(c) });
  evidence.push({ label: 'combinations if independent (Π n_distinct)', value: Math.round(product), unit: 'groups' });
  evidence.push({ label: 'groups if independent (clamped as the planner does)', value: independent, unit: 'groups' });
  evidence.push({ label: 'actual groups', value: actual, unit: 'groups' });
  evidence.push({ label: 'CREATE STATISTICS kind', value: 'ndistinct (GROUP BY on several columns)' });

  const perColumn = columns.map((c, i) => `${c.column} ${formatCount(Math.round(distinct[i]))}`).join(', ');
  const clamped =
    product > independent
      ? `, which it cuts to ${formatCount(independent)} (${product > clamp ? `10 % of the ${formatCount(tuples)} rows of ${table}, its guess for several columns` : 'the rows that reach the grouping'})`
      : '';
  const top = columns[distinct.indexOf(largest)].column;
  const dependent =
    actual <= largest * 1.5
      ? ` — no more than ${top} alone has distinct values (${formatCount(Math.round(largest))}): the other columns add (almost) no groups, they depend on ${top}.`
      : ` — ${formatCount(Math.round(independent / Math.max(actual, 1)))}× fewer: the columns are related.`;
  const name = `${relation ?? 'tbl'}_${names.join('_')}_ndistinct`.slice(0, 63);
  return {
    why:
      `the groups of GROUP BY ${names.join(', ')} are estimated as if the columns were independent: pg_stats gives ` +
      `${perColumn} distinct values, ${formatCount(Math.round(product))} combinations${clamped}; the plan estimated ` +
      `${formatCount(estimate)} groups and ${formatCount(actual)} came${dependent}`,
    fix:
      `Tell the planner how many combinations exist: CREATE STATISTICS ${quoteIdent(name)} (ndistinct) ON ` +
      `${names.map(quoteIdent).join(', ')} FROM ${table}; ANALYZE ${table}; (undo: DROP STATISTICS ${quoteIdent(name)};)`,
  };
}
