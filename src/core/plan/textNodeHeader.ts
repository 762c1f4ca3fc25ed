/**
 * One text-format node line ("Hash Left Join  (cost=… rows=… width=…) (actual time=… rows=… loops=…)") to the
 * fields FORMAT JSON gives the same node, so text and JSON plans compare.
 */
import type { RawPlanFields } from './planNode';

// Numbers as EXPLAIN prints them (no exponent): one way to match each, so a hostile run of digits and dots
// can't make the engine try every split of it (that was quadratic).
const NUM = String.raw`\d+(?:\.\d+)?`;
const COST = new RegExp(String.raw`\(cost=(-?${NUM})\.\.(-?${NUM}) rows=(\d+) width=(\d+)\)`);
const ACTUAL = new RegExp(String.raw`\(actual(?: time=(${NUM})\.\.(${NUM}))? rows=(${NUM}) loops=(\d+)\)`);
const NEVER = /\(never executed\)/;
/** Where the parenthesised figures start: "(cost=", "(actual " or "(never executed". */
const STATS_START = /\((?:cost=|actual |never executed)/;

/** True when the line carries the parenthesised estimate/actual part of a node line. */
export function hasNodeStats(line: string): boolean {
  return COST.test(line) || ACTUAL.test(line) || NEVER.test(line);
}

/** A node line cut short ("Seq Scan on t  (cost=0.00..1"): the plan text was truncated. */
export function looksCutNodeLine(line: string): boolean {
  // Only the last "(cost"/"(actual" can be the open one; a regex scanning from each of them was quadratic.
  const open = Math.max(line.lastIndexOf('(cost'), line.lastIndexOf('(actual'));
  if (open >= 0 && line.indexOf(')', open) < 0) return true;
  return /\(never execu?t?e?d?$/.test(line);
}

/**
 * The node names EXPLAIN's text format prints (explain.c), with their prefixes: what a plan's first line
 * must start with when it has no figures to show it is a node (COSTS OFF without ANALYZE).
 */
const NODE_NAME = new RegExp(
  String.raw`^(?:Parallel |Async )?(?:Partial |Finalize )?(?:` +
    [
      'Seq Scan',
      'Sample Scan',
      'Index Scan',
      'Index Only Scan',
      'Bitmap Heap Scan',
      'Bitmap Index Scan',
      'BitmapAnd',
      'BitmapOr',
      'Tid Scan',
      'Tid Range Scan',
      'Subquery Scan',
      'Function Scan',
      'Table Function Scan',
      'Values Scan',
      'CTE Scan',
      'Named Tuplestore Scan',
      'WorkTable Scan',
      'Foreign Scan',
      'Custom Scan',
      'Result',
      'ProjectSet',
      'Insert',
      'Update',
      'Delete',
      'Merge',
      'Append',
      'Merge Append',
      'Recursive Union',
      'Nested Loop',
      'Hash',
      'Materialize',
      'Memoize',
      'Sort',
      'Incremental Sort',
      'Group',
      'Aggregate',
      'HashAggregate',
      'GroupAggregate',
      'MixedAggregate',
      'WindowAgg',
      'Unique',
      'Gather',
      'Gather Merge',
      'SetOp',
      'HashSetOp',
      'LockRows',
      'Limit',
    ].join('|') +
    String.raw`)(?=$|[ (])`,
);

/** True when a line without figures still reads as a node line: a known node name, not a "Key: value" detail. */
export function looksLikeNodeName(line: string): boolean {
  return NODE_NAME.test(line) && !/^[^:(]*:(\s|$)/.test(line);
}

export function parseNodeHeader(header: string): RawPlanFields {
  const cut = header.search(STATS_START);
  const name = (cut >= 0 ? header.slice(0, cut) : header).trim();
  const fields = nameFields(name);
  const cost = COST.exec(header);
  if (cost) {
    fields['Startup Cost'] = Number(cost[1]);
    fields['Total Cost'] = Number(cost[2]);
    fields['Plan Rows'] = Number(cost[3]);
    fields['Plan Width'] = Number(cost[4]);
  }
  const actual = ACTUAL.exec(header);
  if (actual) {
    if (actual[1] !== undefined) {
      fields['Actual Startup Time'] = Number(actual[1]);
      fields['Actual Total Time'] = Number(actual[2]);
    }
    fields['Actual Rows'] = Number(actual[3]);
    fields['Actual Loops'] = Number(actual[4]);
  } else if (NEVER.test(header)) {
    fields['Actual Startup Time'] = 0;
    fields['Actual Total Time'] = 0;
    fields['Actual Rows'] = 0;
    fields['Actual Loops'] = 0;
  }
  return fields;
}

const JOIN = /^(Hash|Merge|Nested Loop)(?: (Left|Right|Full|Semi|Anti|Right Semi|Right Anti))?(?: Join)?$/;
const AGGREGATES: Record<string, string> = {
  Aggregate: 'Plain',
  HashAggregate: 'Hashed',
  GroupAggregate: 'Sorted',
  MixedAggregate: 'Mixed',
};
const MODIFY = /^(Insert|Update|Delete|Merge)$/;
/** Scan types whose "on X" target is a table. */
const RELATION_SCANS = new Set([
  'Seq Scan',
  'Sample Scan',
  'Bitmap Heap Scan',
  'Tid Scan',
  'Tid Range Scan',
  'Foreign Scan',
  'Index Scan',
  'Index Only Scan',
]);

function nameFields(name: string): RawPlanFields {
  let rest = name;
  const extra: Record<string, unknown> = {};
  if (rest.startsWith('Parallel ')) {
    extra['Parallel Aware'] = true;
    rest = rest.slice('Parallel '.length);
  }
  if (rest.startsWith('Async ')) {
    extra['Async Capable'] = true;
    rest = rest.slice('Async '.length);
  }
  for (const mode of ['Partial', 'Finalize'] as const) {
    if (rest.startsWith(mode + ' ')) {
      extra['Partial Mode'] = mode;
      rest = rest.slice(mode.length + 1);
    }
  }

  let type = rest;
  let indexName: string | undefined;
  let target: string | undefined;
  const using = /^(.*?) using (\S+|"(?:[^"]|"")+") on (.+)$/.exec(rest);
  const on = /^(.*?) on (.+)$/.exec(rest);
  if (using) {
    type = using[1];
    indexName = unquote(using[2]);
    target = using[3];
  } else if (on) {
    type = on[1];
    target = on[2];
  }

  const fields: Record<string, unknown> = { 'Node Type': type };
  const join = JOIN.exec(type);
  if (join && (join[2] !== undefined || type.endsWith(' Join') || type === 'Nested Loop')) {
    fields['Node Type'] = join[1] === 'Nested Loop' ? 'Nested Loop' : `${join[1]} Join`;
    fields['Join Type'] = join[2] ?? 'Inner';
  } else if (AGGREGATES[type]) {
    fields['Node Type'] = 'Aggregate';
    fields['Strategy'] = AGGREGATES[type];
    fields['Partial Mode'] = extra['Partial Mode'] ?? 'Simple';
  } else if (/^(Hash)?SetOp /.test(type)) {
    const m = /^(Hash)?SetOp (.+)$/.exec(type) as RegExpExecArray;
    fields['Node Type'] = 'SetOp';
    fields['Strategy'] = m[1] ? 'Hashed' : 'Sorted';
    fields['Command'] = m[2];
  } else if (MODIFY.test(type)) {
    fields['Node Type'] = 'ModifyTable';
    fields['Operation'] = type;
  } else if (/^Index (Only )?Scan Backward$/.test(type)) {
    fields['Node Type'] = type.replace(' Backward', '');
    fields['Scan Direction'] = 'Backward';
  } else if (/^Custom Scan \((.+)\)$/.test(type)) {
    fields['Node Type'] = 'Custom Scan';
    fields['Custom Plan Provider'] = (/^Custom Scan \((.+)\)$/.exec(type) as RegExpExecArray)[1];
  }
  const nodeType = fields['Node Type'] as string;
  if ((nodeType === 'Index Scan' || nodeType === 'Index Only Scan') && !fields['Scan Direction']) {
    fields['Scan Direction'] = 'Forward';
  }
  Object.assign(fields, extra);
  if (indexName !== undefined) fields['Index Name'] = indexName;
  if (target !== undefined) applyTarget(fields, nodeType, target);
  return fields as RawPlanFields;
}

/** "public.orders o" / "orders" / "\"*VALUES*\"" after "on", by node type. */
function applyTarget(fields: Record<string, unknown>, nodeType: string, target: string): void {
  const [object, alias] = splitTarget(target);
  const dot = splitQualified(object);
  const objectName = unquote(dot.name);
  if (nodeType === 'Bitmap Index Scan') {
    fields['Index Name'] = objectName;
    return;
  }
  if (RELATION_SCANS.has(nodeType) || nodeType === 'ModifyTable' || nodeType === 'Custom Scan') {
    fields['Relation Name'] = objectName;
    if (dot.schema !== undefined) fields['Schema'] = unquote(dot.schema);
    fields['Alias'] = alias !== undefined ? unquote(alias) : objectName;
  } else if (nodeType === 'CTE Scan' || nodeType === 'WorkTable Scan') {
    fields['CTE Name'] = objectName;
    fields['Alias'] = alias !== undefined ? unquote(alias) : objectName;
  } else if (nodeType === 'Function Scan') {
    fields['Function Name'] = objectName;
    if (dot.schema !== undefined) fields['Schema'] = unquote(dot.schema);
    fields['Alias'] = alias !== undefined ? unquote(alias) : objectName;
  } else if (nodeType === 'Table Function Scan') {
    fields['Table Function Name'] = objectName;
    fields['Alias'] = alias !== undefined ? unquote(alias) : objectName;
  } else if (nodeType === 'Named Tuplestore Scan') {
    fields['Tuplestore Name'] = objectName;
    fields['Alias'] = alias !== undefined ? unquote(alias) : objectName;
  } else {
    // Subquery Scan, Values Scan, Result on …: the target is the alias.
    fields['Alias'] = unquote(object);
  }
}

function splitTarget(target: string): [string, string | undefined] {
  let inQuote = false;
  for (let i = 0; i < target.length; i++) {
    const c = target[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ' ' && !inQuote) return [target.slice(0, i), target.slice(i + 1).trim() || undefined];
  }
  return [target, undefined];
}

function splitQualified(object: string): { schema?: string; name: string } {
  let inQuote = false;
  for (let i = 0; i < object.length; i++) {
    const c = object[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === '.' && !inQuote) return { schema: object.slice(0, i), name: object.slice(i + 1) };
  }
  return { name: object };
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}
