/**
 * Reads EXPLAIN (FORMAT XML) as PostgreSQL writes it (explain.c), and auto_explain's XML: elements without
 * attributes (but the root's xmlns), text escaped as &lt; &gt; &amp; (and numeric references), lists as
 * `<Item>` children, groups of nodes as `<Plans><Plan>…`, `<Workers><Worker>…`, `<Triggers><Trigger>…`.
 * Tag names are FORMAT JSON's keys with every character outside [A-Za-z0-9_.-] turned into `-`; they are
 * turned back here ("Rows-Removed-by-Filter" → "Rows Removed by Filter", "I-O-Read-Time" → "I/O Read Time").
 * The result has FORMAT JSON's shape, so the JSON reader's tree building takes it.
 */
import { TunerError } from '../errors';
import { psqlCellLines } from './psqlCellLines';
import type { RawPlan } from './rawPlan';
import { rawPlanFromDocument } from './readJsonPlan';
import { scalar } from './textDetails';

interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
  line: number;
}

/** Groups whose children are list entries in FORMAT JSON. */
const ARRAY_GROUPS = new Set(['Plans', 'Workers', 'Triggers']);
const OBJECT_GROUPS = new Set(['Settings', 'Planning', 'JIT', 'Options', 'Timing']);
/** Keys that stay strings even when they look like numbers ("Alias": "2024"). */
const STRING_KEYS = new Set([
  'Node Type',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'CTE Name',
  'Function Name',
  'Subplan Name',
  'Query Text',
  'Filter',
  'Join Filter',
  'Index Cond',
  'Recheck Cond',
  'Hash Cond',
  'Merge Cond',
  'Trigger Name',
  'Constraint Name',
  'Relation',
  'Cache Key',
  'Cache Mode',
]);
/** Tag names whose key had a character other than a space turned into `-`. */
const KEY_EXCEPTIONS: Record<string, string> = {
  'Full-sort-Groups': 'Full-sort Groups',
  'Pre-sorted-Groups': 'Pre-sorted Groups',
};

export function readXmlPlan(text: string, lineMap?: number[]): RawPlan {
  const cell = psqlCellLines(text, lineMap);
  const root = parseElements(cell.lines, cell.nos);
  // <explain><Query>…</Query></explain> from EXPLAIN, <explain><Plan>…</Plan>… from auto_explain.
  const query = root.children.find((c) => c.name === 'Query') ?? root;
  return rawPlanFromDocument(toValue(query, ''), 'xml');
}

/** What is between "<" and ">" in a start, end or empty-element tag. */
const TAG = /^(\/?)([A-Za-z_][\w.-]*)([^<]*?)(\/?)$/;

/**
 * Elements by a scan from each "<" to its ">": every character is looked at a bounded number of times, so a
 * hostile text (unclosed tags, "<!--" without its end) is refused in one pass instead of being searched from
 * each of its "<" by a regex (which was quadratic).
 */
function parseElements(lines: string[], nos: number[]): XmlElement {
  // Offsets of line starts, to name the line of a bad tag.
  const text = lines.join('\n');
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return nos[lo] ?? lo + 1;
  };
  const top: XmlElement = { name: '#document', children: [], text: '', line: 1 };
  const stack: XmlElement[] = [top];
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const textEnd = lt < 0 ? text.length : lt;
    if (textEnd > at) {
      const chunk = text.slice(at, textEnd);
      if (stack.length > 1) stack[stack.length - 1].text += chunk;
      else if (chunk.trim() !== '')
        throw bad(lineAt(at), `text outside the <explain> element: '${clip(chunk.trim())}'`);
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const close = text.indexOf('-->', lt + 4);
      if (close < 0) throw bad(lineAt(lt), 'the XML plan is truncated: a comment (<!--) is not closed');
      at = close + 3;
      continue;
    }
    const gt = text.indexOf('>', lt + 1);
    // The text ends inside a tag: the open element is what the message names.
    if (gt < 0 && stack.length > 1) break;
    if (gt < 0)
      throw bad(lineAt(lt), `the XML plan is truncated: '${clip(text.slice(lt, lt + 60))}' is not closed by '>'`);
    at = gt + 1;
    const inside = text.slice(lt + 1, gt);
    if (inside.startsWith('?')) continue; // <?xml …?>
    const m = TAG.exec(inside);
    if (!m) throw bad(lineAt(lt), `expected an XML tag, got '<${clip(inside)}>'`);
    const current = stack[stack.length - 1];
    const line = lineAt(lt);
    if (m[1] === '/') {
      if (current.name !== m[2]) throw bad(line, `</${m[2]}> closes <${current.name}>`);
      stack.pop();
    } else {
      const el: XmlElement = { name: m[2], children: [], text: '', line };
      current.children.push(el);
      if (m[4] !== '/') stack.push(el);
    }
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    throw bad(nos[nos.length - 1] ?? 1, `the XML plan is truncated: <${open.name}> (line ${open.line}) is not closed`);
  }
  const explain = top.children[0];
  if (!explain || explain.name !== 'explain') throw bad(explain?.line ?? 1, 'expected an <explain> element');
  return explain;
}

/**
 * The element tree as FORMAT JSON's values. Children first, from an explicit stack: a plan thousands of levels
 * deep must not overflow the call stack.
 */
function toValue(root: XmlElement, rootKey: string): unknown {
  const values = new Map<XmlElement, unknown>();
  const stack: Array<{ el: XmlElement; key: string; expanded: boolean }> = [
    { el: root, key: rootKey, expanded: false },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const { el, key } = top;
    const nested = el.children.length > 0 && !el.children.every((c) => c.name === 'Item');
    if (nested && !top.expanded) {
      top.expanded = true;
      for (const c of el.children) stack.push({ el: c, key: childKey(c, key), expanded: false });
      continue;
    }
    stack.pop();
    values.set(el, leafOrGroup(el, key, values));
    // Children's values are read once, by their parent: the map keeps only what is still to be read.
    if (nested) for (const c of el.children) values.delete(c);
  }
  return values.get(root);
}

function childKey(child: XmlElement, parentKey: string): string {
  if (ARRAY_GROUPS.has(parentKey)) return '';
  // Settings are GUC names, not EXPLAIN keys: keep them as they are.
  return parentKey === 'Settings' ? child.name : keyOf(child.name);
}

function leafOrGroup(el: XmlElement, key: string, values: Map<XmlElement, unknown>): unknown {
  if (el.children.length === 0) {
    const text = decode(el.text.trim());
    if (text === '') {
      if (ARRAY_GROUPS.has(key)) return [];
      if (OBJECT_GROUPS.has(key)) return {};
      return text;
    }
    return STRING_KEYS.has(key) ? text : scalar(text);
  }
  if (el.children.every((c) => c.name === 'Item')) return el.children.map((c) => decode(c.text.trim()));
  if (ARRAY_GROUPS.has(key)) return el.children.map((c) => values.get(c));
  const obj: Record<string, unknown> = {};
  for (const c of el.children) obj[childKey(c, key)] = values.get(c);
  return obj;
}

function keyOf(tag: string): string {
  const exception = KEY_EXCEPTIONS[tag];
  if (exception) return exception;
  return tag.replace(/(^|-)I-O-/g, '$1I/O-').replace(/-/g, ' ');
}

function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

function bad(line: number, message: string): TunerError {
  return new TunerError('not-a-plan', `line ${line}: ${message}`, { line });
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
