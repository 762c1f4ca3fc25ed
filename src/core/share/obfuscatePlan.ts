/**
 * "Copy Plan for Sharing": a plan with every schema name and literal replaced consistently (`orders` →
 * `table_1`, `o` → `alias_1`, `user_id` → `column_3`, `'2024-01-01'` → `'literal_1'`) and every number,
 * node type and keyword kept, so it can be posted publicly and still read (and parsed) like the original.
 * Works on JSON and text EXPLAIN output; the parser must be loaded (`loadParser()`) first.
 */
import { TunerError } from '../errors';
import { parsePlan } from '../plan/parsePlan';
import type { Plan } from '../plan/planNode';
import { forEachJsonValue, mapJsonDeep, stringifyDeep } from '../text/deepJson';
import { identifierValue, NameMap, type NameKind } from './nameMap';
import { obfuscateSql, type SqlObfuscationOptions } from './obfuscateSql';

export interface ObfuscationOptions extends SqlObfuscationOptions {
  /** The statement, obfuscated with the same names when given. */
  sql?: string;
}

export interface ObfuscatedPlan {
  /** The obfuscated EXPLAIN output, in the format it came in (a Plan object gives JSON). */
  text: string;
  format: 'json' | 'text';
  /** The obfuscated statement, when `sql` was given or the plan carried its "Query Text". */
  sql?: string;
  /** Original name → stand-in and original literal → stand-in: for the user, never to be shared. */
  names: Record<string, string>;
  literals: Record<string, string>;
}

/** Fields that hold one name, and what kind of name. */
const NAME_FIELDS: Record<string, NameKind> = {
  Schema: 'schema',
  'Relation Name': 'table',
  'Index Name': 'index',
  'CTE Name': 'cte',
  Alias: 'alias',
  'Trigger Name': 'trigger',
  'Constraint Name': 'constraint',
  Relation: 'table',
};
/** Registration order: a name used both as a table and an alias keeps the table's stand-in. */
const NAME_ORDER = [
  'Schema',
  'Relation Name',
  'Relation',
  'Index Name',
  'CTE Name',
  'Alias',
  'Trigger Name',
  'Constraint Name',
];

/** Fields whose text is EXPLAIN's own vocabulary (node types, methods, directions): kept as they are. */
const VERBATIM_FIELDS = new Set([
  'Node Type',
  'Parent Relationship',
  'Join Type',
  'Strategy',
  'Partial Mode',
  'Scan Direction',
  'Sort Method',
  'Sort Space Type',
  'Operation',
  'Command',
  'Conflict Resolution',
  'Format',
  'Async Capable',
  'Parallel Aware',
  'Inner Unique',
  'Single Copy',
  'Disabled',
]);

const SQL_FIELDS = new Set(['Query Text']);

function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

/** Obfuscates a plan given as EXPLAIN output (JSON or text) or as a parsed Plan. */
export function obfuscatePlan(plan: string | Plan, options: ObfuscationOptions = {}): ObfuscatedPlan {
  const names = new NameMap();
  if (typeof plan !== 'string') return obfuscateJson(planToJson(plan), names, options);
  if (looksLikeJson(plan)) {
    let doc: unknown;
    try {
      doc = JSON.parse(plan);
    } catch (err) {
      throw new TunerError('not-a-plan', 'the plan looks like JSON but does not parse', { cause: err });
    }
    return obfuscateJson(doc, names, options);
  }
  return obfuscateText(plan, names, options);
}

// ─── JSON ────────────────────────────────────────────────────────────────────────────────────────────────

function obfuscateJson(doc: unknown, names: NameMap, options: ObfuscationOptions): ObfuscatedPlan {
  registerJsonNames(doc, names);
  let querySql: string | undefined;
  // Iterative (mapJsonDeep): a plan thousands of levels deep is past what a recursive walk survives.
  const replace = (value: unknown, key: string | undefined): { value: unknown } | undefined => {
    if (key === 'Settings' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { value: obfuscateSettings(value as Record<string, unknown>, names) };
    }
    if (typeof value !== 'string' || key === undefined) return undefined;
    return { value: obfuscateString(value, key) };
  };
  const obfuscateString = (value: string, key: string): string => {
    if (key in NAME_FIELDS) return names.name(identifierValue(quoteIfNeeded(value)), NAME_FIELDS[key]);
    if (key === 'Function Name') return options.keepFunctionNames === false ? names.name(value, 'function') : value;
    if (key === 'Conflict Arbiter Indexes' || key === 'Target Tables')
      return names.name(value, key === 'Target Tables' ? 'table' : 'index');
    if (VERBATIM_FIELDS.has(key)) return value;
    if (key === 'Subplan Name') return obfuscateSubplanName(value, names);
    if (SQL_FIELDS.has(key)) {
      querySql = obfuscateSql(value, names, options);
      return querySql;
    }
    // Anything else is an expression (Filter, Hash Cond, Output, Sort Key, …) or a field we don't know:
    // obfuscating it is the safe side.
    return obfuscateSql(value, names, options);
  };
  const result = mapJsonDeep(doc, replace);
  const sql = options.sql !== undefined ? obfuscateSql(options.sql, names, options) : querySql;
  return {
    text: stringifyDeep(result, 2),
    format: 'json',
    sql,
    names: names.mapping(),
    literals: names.literalMapping(),
  };
}

/** Field values are raw names (`Weird Name`); identifierValue expects token text, so quote when needed. */
function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function registerJsonNames(doc: unknown, names: NameMap): void {
  const found = new Map<string, string[]>();
  forEachJsonValue(doc, (v, k) => {
    if (k === undefined || !(k in NAME_FIELDS) || typeof v !== 'string') return true;
    let list = found.get(k);
    if (!list) found.set(k, (list = []));
    list.push(v);
    return false;
  });
  for (const key of NAME_ORDER)
    for (const v of found.get(key) ?? []) names.name(identifierValue(quoteIfNeeded(v)), NAME_FIELDS[key]);
}

function obfuscateSubplanName(value: string, names: NameMap): string {
  const cte = /^CTE (.+)$/.exec(value);
  if (cte) return `CTE ${names.known(identifierValue(cte[1])) ?? names.name(identifierValue(cte[1]), 'cte')}`;
  return value; // "SubPlan 1", "InitPlan 2 (returns $1)"
}

/** Setting values are kept (they are the point of sharing them) except search_path, which names schemas. */
function obfuscateSettings(settings: Record<string, unknown>, names: NameMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings))
    out[k] = k === 'search_path' && typeof v === 'string' ? obfuscateSearchPath(v, names) : v;
  return out;
}

function obfuscateSearchPath(value: string, names: NameMap): string {
  return value
    .split(',')
    .map((part) => {
      const t = part.trim();
      if (t === '' || t === '"$user"' || t === '$user' || /^pg_/.test(t)) return part;
      return part.replace(t, names.name(identifierValue(t), 'schema'));
    })
    .join(',');
}

/** The EXPLAIN (FORMAT JSON) document of a parsed plan: fields as they came, children under "Plans". */
function planToJson(plan: Plan): unknown {
  // Pre-order ids: every parent's copy exists before its children's, so one pass links them without recursion.
  const copies = plan.nodes.map((n): Record<string, unknown> => ({ ...n.fields }));
  for (const n of plan.nodes) {
    if (n.children.length) copies[n.id]['Plans'] = n.children.map((c) => copies[c.id]);
  }
  const top: Record<string, unknown> = { Plan: copies[plan.root.id] };
  if (plan.queryText !== undefined) top['Query Text'] = plan.queryText;
  if (plan.settings) top['Settings'] = plan.settings;
  if (plan.planningTimeMs !== undefined) top['Planning Time'] = plan.planningTimeMs;
  if (plan.triggers.length)
    top['Triggers'] = plan.triggers.map((t) => ({
      'Trigger Name': t.name,
      ...(t.relation ? { Relation: t.relation } : {}),
      Time: t.timeMs,
      Calls: t.calls,
    }));
  if (plan.executionTimeMs !== undefined) top['Execution Time'] = plan.executionTimeMs;
  return [top];
}

// ─── text ────────────────────────────────────────────────────────────────────────────────────────────────

/** Detail lines whose value is a SQL expression. */
const TEXT_EXPRESSION_KEYS = new Set([
  'Filter',
  'Join Filter',
  'Index Cond',
  'Recheck Cond',
  'Hash Cond',
  'Merge Cond',
  'One-Time Filter',
  'TID Cond',
  'Order By',
  'Output',
  'Sort Key',
  'Group Key',
  'Presorted Key',
  'Cache Key',
  'Run Condition',
  'Hash Key',
  'Conflict Filter',
  'Window',
  'Partial Sort Key',
  'Index Cond (orderby)',
]);
/** Detail lines with only figures and EXPLAIN's own words. */
const TEXT_FIGURE_KEYS =
  /^(Buffers|I\/O Timings|Sort Method|Rows Removed by (Filter|Join Filter|Index Recheck)|Heap Fetches|Heap Blocks|Planning Time|Execution Time|Total runtime|Batches|Buckets|Memory Usage|Workers Planned|Workers Launched|Planning|JIT|Functions|Options|Timing|Full-sort Groups|Pre-sorted Groups|Query Identifier|Serialization|WAL|Hits|Worker \d+|Disk Usage|Storage|Subplans Removed|Index Searches|Sort Space|Estimates|Cache Mode|Memory|Conflict Resolution|Tuples Inserted|Conflicting Tuples|Sampling|Sort Method|Parallel Hash)$/;

function obfuscateText(text: string, names: NameMap, options: ObfuscationOptions): ObfuscatedPlan {
  let plan: Plan | undefined;
  try {
    plan = parsePlan(text);
  } catch {
    plan = undefined; // still obfuscate what we can by line shape
  }
  if (plan) registerPlanNames(plan, names);
  let querySql: string | undefined;
  const lines = text.split(/(\r?\n)/);
  let first = true;
  for (let i = 0; i < lines.length; i += 2) {
    const line = lines[i];
    if (line.trim() === '' || /^\s*(QUERY PLAN|-{3,}[-+]*|\(\d+ rows?\))\s*$/.test(line)) continue;
    const isNode = /^\s*->\s/.test(line) || (first && !/^\s*[A-Z][A-Za-z /()-]*:\s/.test(line));
    first = false;
    lines[i] = isNode
      ? obfuscateNodeLine(line, names)
      : obfuscateDetailLine(line, names, options, (sql) => (querySql = sql));
  }
  const sql = options.sql !== undefined ? obfuscateSql(options.sql, names, options) : querySql;
  return { text: lines.join(''), format: 'text', sql, names: names.mapping(), literals: names.literalMapping() };
}

function registerPlanNames(plan: Plan, names: NameMap): void {
  for (const key of NAME_ORDER) {
    for (const n of plan.nodes) {
      const v = n.fields[key];
      if (typeof v === 'string' && v !== '') names.name(identifierValue(quoteIfNeeded(v)), NAME_FIELDS[key]);
    }
  }
  for (const t of plan.triggers) {
    names.name(identifierValue(quoteIfNeeded(t.name)), 'trigger');
    if (t.relation) names.name(identifierValue(quoteIfNeeded(t.relation)), 'table');
  }
}

const NAME_TOKEN = /"(?:[^"]|"")+"|[^\s"().,]+/g;

/** A dotted name ("public.orders", `"My Schema"."T"`): each part renamed (schema, then table). */
function obfuscateDotted(text: string, names: NameMap, lastKind: NameKind): string {
  const parts = text.match(/"(?:[^"]|"")+"|[^."]+/g) ?? [text];
  return parts
    .map((p, i) => {
      const value = identifierValue(p);
      return names.known(value) ?? names.name(value, i === parts.length - 1 ? lastKind : 'schema');
    })
    .join('.');
}

/** "->  Index Scan using idx on public.orders o  (cost=…)": names after "using" and "on" go, the rest stays. */
function obfuscateNodeLine(line: string, names: NameMap): string {
  const m = /^(\s*(?:->\s+)?)(.*?)((?:\s{2}|\s(?=\())\(.*)?$/.exec(line);
  if (!m) return line;
  const [, indent, head, tail = ''] = m;
  let out = head;
  const on = /^(.*?) on ((?:"(?:[^"]|"")+"|[^\s"])+)(?: ((?:"(?:[^"]|"")+"|[^\s"])+))?$/.exec(head);
  let lead = head;
  if (on) {
    lead = on[1];
    const isIndexScan = /Bitmap Index Scan$/.test(lead);
    const target = obfuscateDotted(on[2], names, isIndexScan ? 'index' : 'table');
    const alias =
      on[3] !== undefined
        ? ` ${names.known(identifierValue(on[3])) ?? names.name(identifierValue(on[3]), 'alias')}`
        : '';
    out = `${lead} on ${target}${alias}`;
  }
  const using = /^(.*? using )((?:"(?:[^"]|"")+"|[^\s"])+)(.*)$/.exec(out);
  if (using) out = `${using[1]}${obfuscateDotted(using[2], names, 'index')}${using[3]}`;
  return `${indent}${out}${tail}`;
}

function obfuscateDetailLine(
  line: string,
  names: NameMap,
  options: ObfuscationOptions,
  onSql: (sql: string) => void,
): string {
  const m = /^(\s*)([^:]+?):(\s*)(.*)$/.exec(line);
  if (!m) {
    const cte = /^(\s*)CTE (.+?)\s*$/.exec(line);
    if (cte) return `${cte[1]}CTE ${obfuscateDotted(cte[2], names, 'cte')}`;
    if (/^\s*(SubPlan|InitPlan) \d+/.test(line)) return line;
    return line.replace(NAME_TOKEN, (tok) => (/^[\d.]+$/.test(tok) ? tok : (names.known(identifierValue(tok)) ?? tok)));
  }
  const [, indent, key, gap, value] = m;
  if (TEXT_EXPRESSION_KEYS.has(key)) return `${indent}${key}:${gap}${obfuscateSql(value, names, options)}`;
  if (key === 'Query Text') {
    const sql = obfuscateSql(value, names, options);
    onSql(sql);
    return `${indent}${key}:${gap}${sql}`;
  }
  if (key === 'Settings') return `${indent}${key}:${gap}${obfuscateTextSettings(value, names)}`;
  const trigger = /^Trigger (.+?)(?: for constraint (.+?))?(?: on (.+))?$/.exec(key);
  if (trigger) {
    const who = obfuscateDotted(trigger[1], names, 'trigger');
    const constraint =
      trigger[2] !== undefined ? ` for constraint ${obfuscateDotted(trigger[2], names, 'constraint')}` : '';
    const on = trigger[3] !== undefined ? ` on ${obfuscateDotted(trigger[3], names, 'table')}` : '';
    return `${indent}Trigger ${who}${constraint}${on}:${gap}${value}`;
  }
  if (TEXT_FIGURE_KEYS.test(key)) return line;
  return `${indent}${key}:${gap}${obfuscateSql(value, names, options)}`;
}

/** "work_mem = '64kB', search_path = 'shop, public'": only search_path's schemas are renamed. */
function obfuscateTextSettings(value: string, names: NameMap): string {
  return value.replace(
    /search_path = '([^']*)'/,
    (_, path: string) => `search_path = '${obfuscateSearchPath(path, names)}'`,
  );
}
