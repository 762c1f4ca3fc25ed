/**
 * Reads EXPLAIN (FORMAT JSON) as pasted from anywhere: bare, as `[ {"Plan": …} ]` or `{"Plan": …}`, inside psql
 * output (a `QUERY PLAN` header, a dashed rule, `+` marks at line ends, `(1 row)`), after a prompt line.
 * rawPlanFromDocument also serves the YAML and XML readers, which read into the same document shape.
 */
import { TunerError } from '../errors';
import type { RawPlanFields } from './planNode';
import { isPsqlFooter } from './psqlFooter';
import type { RawNode, RawPlan } from './rawPlan';

export function readJsonPlan(text: string): RawPlan {
  return rawPlanFromDocument(parseJsonTolerant(text), 'json');
}

/** A parsed EXPLAIN document (from JSON, or from YAML/XML read into the same shape) to the node tree. */
export function rawPlanFromDocument(value: unknown, format: RawPlan['format']): RawPlan {
  const doc = findPlanDocument(value);
  if (!doc) {
    const name = format.toUpperCase();
    throw new TunerError('not-a-plan', `${name} has no "Plan" object at top level`, { line: 1 });
  }
  const top: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(doc)) if (key !== 'Plan') top[key] = v;
  return { root: toRawNode(doc['Plan'] as Record<string, unknown>, 'Plan'), top, format };
}

function parseJsonTolerant(text: string): unknown {
  const trimmed = text.trim();
  // The common case first: plain JSON, no copying of a 50 MB string through the cleaning below.
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // fall through to the psql-noise cleaner
    }
  }
  const cleaned = stripPsqlNoise(text);
  try {
    return JSON.parse(cleaned.json);
  } catch (err) {
    // CSV exports double every quote: ""Plan"".
    if (cleaned.json.includes('""Node Type""')) {
      const undoubled = cleaned.json.replace(/""/g, '"');
      const from = undoubled.search(/[[{]/);
      const to = Math.max(undoubled.lastIndexOf(']'), undoubled.lastIndexOf('}'));
      try {
        return JSON.parse(undoubled.slice(from, to + 1));
      } catch {
        // report the original error below
      }
    }
    throw jsonError(err, cleaned);
  }
}

interface CleanedJson {
  json: string;
  /** For each line of `json`, its 1-based line in the input. */
  lineMap: number[];
}

function stripPsqlNoise(text: string): CleanedJson {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  const plusMarked = lines.filter((l) => /\s\+\s*$/.test(l)).length >= 2;
  let start = lines.findIndex((l) => /^\s*[[{]/.test(l));
  if (start < 0) start = lines.findIndex((l) => /[[{]/.test(l));
  const out: string[] = [];
  const lineMap: number[] = [];
  for (let i = Math.max(start, 0); i < lines.length; i++) {
    let line = lines[i];
    if (isPsqlFooter(line)) break;
    if (/^\s*QUERY PLAN\s*$/.test(line) || /^\s*-{3,}[-+]*\s*$/.test(line)) continue;
    if (plusMarked) line = line.replace(/\s*\+\s*$/, '');
    out.push(line);
    lineMap.push(i + 1);
  }
  return { json: out.join('\n'), lineMap };
}

function jsonError(err: unknown, cleaned: CleanedJson): TunerError {
  const message = err instanceof Error ? err.message : String(err);
  if (cleaned.json.trim() === '') {
    return new TunerError('not-a-plan', 'no JSON found: the input has no "[" or "{"', { line: 1 });
  }
  if (/end of JSON input|Unterminated string/i.test(message) && !/position \d+ \(line/.test(message)) {
    const last = cleaned.lineMap[cleaned.lineMap.length - 1] ?? 1;
    return new TunerError(
      'not-a-plan',
      `line ${last}: the JSON plan is truncated (it ends before its closing brackets)`,
      { line: last, cause: err },
    );
  }
  const pos = /position (\d+)/.exec(message);
  let line = 1;
  if (pos) {
    const before = cleaned.json.slice(0, Number(pos[1]));
    const jsonLine = before.split('\n').length;
    line = cleaned.lineMap[jsonLine - 1] ?? jsonLine;
  }
  return new TunerError('not-a-plan', `line ${line}: not valid JSON (${message})`, { line, cause: err });
}

function findPlanDocument(value: unknown): Record<string, unknown> | undefined {
  let v = value;
  if (Array.isArray(v)) v = v[0];
  if (isObject(v) && isObject(v['Plan'])) return v;
  // A lone node object ({"Node Type": …}) is a plan too: some tools export only the tree.
  if (isObject(v) && typeof v['Node Type'] === 'string') return { Plan: v };
  return undefined;
}

/**
 * Wraps the parsed objects in place, without copying fields: a 50 MB plan must not be duplicated.
 * "Plans" is removed from each node (PostgreSQL prints it last, which keeps the delete cheap in V8).
 * A node's path ("Plan.Plans[0].Plans[3]") is only spelled out for an error message; the walk keeps, per
 * node it reaches, just its parent's entry and its index there.
 */
function toRawNode(top: Record<string, unknown>, topPath: string): RawNode {
  const root: RawNode = { fields: checkNode(top, topPath), children: [] };
  const raws: RawNode[] = [root];
  const objs: Array<Record<string, unknown>> = [top];
  const entries: number[] = [0];
  const entryParent: number[] = [-1];
  const entryIndex: number[] = [0];
  const pathOf = (entry: number): string => {
    const parts: string[] = [];
    for (let e = entry; e > 0; e = entryParent[e]) parts.push(`.Plans[${entryIndex[e]}]`);
    return topPath + parts.reverse().join('');
  };
  while (raws.length > 0) {
    const raw = raws.pop() as RawNode;
    const obj = objs.pop() as Record<string, unknown>;
    const entry = entries.pop() as number;
    const plans = obj['Plans'];
    if (plans === undefined) continue;
    delete obj['Plans'];
    if (!Array.isArray(plans))
      throw new TunerError('not-a-plan', `JSON plan node at ${pathOf(entry)}: "Plans" is not an array`, {});
    for (let i = 0; i < plans.length; i++) {
      const child: unknown = plans[i];
      const childEntry = entryParent.length;
      entryParent.push(entry);
      entryIndex.push(i);
      if (!isObject(child))
        throw new TunerError('not-a-plan', `JSON plan node at ${pathOf(childEntry)} is not an object`, {});
      if (typeof child['Node Type'] !== 'string') checkNode(child, pathOf(childEntry));
      const node: RawNode = { fields: child as RawPlanFields, children: [] };
      raw.children.push(node);
      raws.push(node);
      objs.push(child);
      entries.push(childEntry);
    }
  }
  return root;
}

function checkNode(obj: Record<string, unknown>, path: string): RawPlanFields {
  if (typeof obj['Node Type'] !== 'string') {
    throw new TunerError('not-a-plan', `JSON plan node at ${path} has no "Node Type"`, {});
  }
  return obj as RawPlanFields;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
