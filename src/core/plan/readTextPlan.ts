/**
 * Reads EXPLAIN's text format as pasted: psql's `QUERY PLAN` header and `(N rows)` footer, a leading prompt
 * line, `+` marks, CRLF, and long lines cut by a terminal. The tree comes from indentation: a node line is
 * `->  Name  (cost=…)`, its details are indented under it, "InitPlan 1" / "SubPlan 2" / "CTE x" headers
 * introduce the subplans below them. Detail lines become the keys FORMAT JSON uses (textDetails.ts).
 */
import { TunerError } from '../errors';
import type { RawPlanFields } from './planNode';
import type { RawNode, RawPlan } from './rawPlan';
import { applyDetail, scalar } from './textDetails';
import { hasNodeStats, looksCutNodeLine, parseNodeHeader } from './textNodeHeader';

interface Line {
  /** 1-based line number in the input. */
  no: number;
  text: string;
  indent: number;
}

type Frame =
  | { kind: 'node'; col: number; node: RawNode }
  | { kind: 'subplan'; col: number; owner: RawNode; name: string }
  | { kind: 'worker'; col: number; worker: Record<string, unknown> }
  | { kind: 'block'; col: number; name: 'Planning' | 'JIT'; target: Record<string, unknown> };

const EXAMPLE = "expected a plan node like 'Seq Scan on t  (cost=…)'";
const SUBPLAN_HEADER = /^(InitPlan \d+(?: \(returns [^)]*\))?|SubPlan \d+|CTE .+)$/;
/** A node line without its arrow: a name, two spaces, the parenthesised figures. */
const ROOT_LINE = /^[A-Z][^(]*?\s{2}\((cost=|actual |never executed)/;
const TOP_LEVEL = /^(Planning Time|Execution Time|Total runtime|Planning|JIT|Settings|Query Identifier|Serialization|Trigger [^:]+|QUERY PLAN)(:|$)|^\(\d+ rows?\)$/;

export function readTextPlan(text: string): RawPlan {
  const lines = logicalLines(text);
  const rootIndex = findRoot(lines);
  const root = lines[rootIndex];
  const rootNode = newNode(root, root.text);
  const top: Record<string, unknown> = {};
  const stack: Frame[] = [{ kind: 'node', col: root.indent, node: rootNode }];

  for (let i = rootIndex + 1; i < lines.length; i++) {
    const line = lines[i];
    const t = line.text.trim();
    if (t === '' || /^\(\d+ rows?\)$/.test(t)) break;
    while (stack.length > 0 && stack[stack.length - 1].col >= line.indent) stack.pop();
    const frame = stack[stack.length - 1];
    const arrow = /^->\s+/.exec(t);
    if (arrow) {
      if (!frame || frame.kind === 'worker' || frame.kind === 'block') {
        throw badLine(line, `a plan node at this indentation has no parent node above it`);
      }
      const header = t.slice(arrow[0].length);
      const node = newNode(line, header);
      if (frame.kind === 'subplan') {
        node.fields['Parent Relationship'] = frame.name.startsWith('SubPlan') ? 'SubPlan' : 'InitPlan';
        node.fields['Subplan Name'] = frame.name;
        frame.owner.children.push(node);
      } else {
        frame.node.children.push(node);
      }
      stack.push({ kind: 'node', col: line.indent + arrow[0].length, node });
      continue;
    }
    if (!frame) {
      readTopLevel(line, t, top, stack);
      continue;
    }
    switch (frame.kind) {
      case 'node': {
        if (SUBPLAN_HEADER.test(t)) {
          stack.push({ kind: 'subplan', col: line.indent, owner: frame.node, name: t });
          break;
        }
        const worker = /^Worker (\d+):\s*(.*)$/.exec(t);
        if (worker) {
          const w = workerOf(frame.node.fields, Number(worker[1]));
          if (worker[2]) readWorkerDetail(line, w, worker[2]);
          stack.push({ kind: 'worker', col: line.indent, worker: w });
          break;
        }
        if (!applyDetail(frame.node.fields, t)) {
          throw badLine(line, `${EXAMPLE} or a detail like 'Filter: …' under it, got '${clip(t)}'`);
        }
        break;
      }
      case 'worker':
        readWorkerDetail(line, frame.worker, t);
        break;
      case 'block':
        readBlockLine(line, frame, t);
        break;
      case 'subplan':
        throw badLine(line, `expected '->  ' and the first node of ${frame.name}, got '${clip(t)}'`);
    }
  }
  assignRelationships(rootNode);
  checkComplete(rootNode, lines);
  return { root: rootNode, top, format: 'text' };
}

/**
 * Physical lines → logical lines: CRLF and `+` marks dropped, lines a terminal cut at its width joined back.
 * A line that is not a line of its own (node, detail, subplan header, statement line, psql decoration)
 * continues the line before it when that one is long enough to have been cut (terminals are ≥ 40 wide).
 */
function logicalLines(text: string): Line[] {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const plusMarked = raw.filter((l) => /\s\+$/.test(l)).length >= 2;
  const physical = plusMarked ? raw.map((l) => l.replace(/\s*\+$/, '')) : raw;
  const out: Line[] = [];
  let prevLength = 0;
  for (let i = 0; i < physical.length; i++) {
    const p = physical[i];
    const last = out[out.length - 1];
    if (last && prevLength >= 40 && p.trim() !== '' && !isOwnLine(p)) {
      last.text += p;
      prevLength = p.length;
      continue;
    }
    out.push({ no: i + 1, text: p, indent: 0 });
    prevLength = p.length;
  }
  for (const l of out) {
    l.text = l.text.replace(/\s+$/, '');
    l.indent = l.text.length - l.text.trimStart().length;
  }
  return out;
}

function isOwnLine(p: string): boolean {
  const t = p.trim();
  const indent = p.length - p.trimStart().length;
  if (/^->\s/.test(t) || ROOT_LINE.test(t) || TOP_LEVEL.test(t) || /^-{3,}[-+]*$/.test(t)) return true;
  if (indent === 0) return false;
  return SUBPLAN_HEADER.test(t) || /^Worker \d+:/.test(t) || /^[A-Z][A-Za-z0-9 /()_-]*:(\s|$)/.test(t);
}

function findRoot(lines: Line[]): number {
  const at = lines.findIndex((l) => !/^\s*->/.test(l.text) && hasNodeStats(l.text) && !/^\S*[=-][#>]/.test(l.text));
  if (at >= 0) return at;
  // COSTS OFF without ANALYZE: the first line after psql's header rule.
  const rule = lines.findIndex((l) => /^\s*-{3,}\s*$/.test(l.text));
  if (rule >= 0 && rule > 0 && /QUERY PLAN/.test(lines[rule - 1].text) && lines[rule + 1]?.text.trim()) {
    return rule + 1;
  }
  const first = lines.find((l) => l.text.trim() !== '' && !/^\s*QUERY PLAN\s*$/.test(l.text) && !/^\s*-{3,}\s*$/.test(l.text));
  if (!first) throw new TunerError('not-a-plan', 'the plan is empty: only a psql header, no plan lines', { line: 1 });
  if (looksCutNodeLine(first.text)) {
    throw new TunerError('not-a-plan', `line ${first.no}: the plan is truncated: '${clip(first.text.trim())}'`, { line: first.no });
  }
  throw badLine(first, `${EXAMPLE}, got '${clip(first.text.trim())}'`);
}

function newNode(line: Line, header: string): RawNode {
  if (!hasNodeStats(header) && looksCutNodeLine(header)) {
    throw new TunerError('not-a-plan', `line ${line.no}: the plan is truncated: the node line ends in '${clip(header, 40, true)}'`, {
      line: line.no,
    });
  }
  const fields = parseNodeHeader(header.trim());
  if (!/^[A-Z]/.test(fields['Node Type'])) throw badLine(line, `${EXAMPLE}, got '${clip(header.trim())}'`);
  return { fields, children: [], line: line.no };
}

function workerOf(fields: RawPlanFields, number: number): Record<string, unknown> {
  const workers = (fields['Workers'] ??= []);
  let w = workers.find((x) => x['Worker Number'] === number);
  if (!w) {
    w = { 'Worker Number': number };
    workers.push(w);
  }
  return w;
}

function readWorkerDetail(line: Line, w: Record<string, unknown>, t: string): void {
  const actual = /^actual(?: time=([\d.]+)\.\.([\d.]+))? rows=([\d.]+) loops=(\d+)$/.exec(t);
  if (actual) {
    if (actual[1] !== undefined) {
      w['Actual Startup Time'] = Number(actual[1]);
      w['Actual Total Time'] = Number(actual[2]);
    }
    w['Actual Rows'] = Number(actual[3]);
    w['Actual Loops'] = Number(actual[4]);
  } else if (t === 'never executed') {
    w['Actual Loops'] = 0;
  } else if (!applyDetail(w, t)) {
    throw badLine(line, `expected a worker detail like 'Buffers: …', got '${clip(t)}'`);
  }
}

function readTopLevel(line: Line, t: string, top: Record<string, unknown>, stack: Frame[]): void {
  const time = /^(Planning Time|Execution Time|Total runtime): ([\d.]+) ms$/.exec(t);
  if (time) {
    top[time[1] === 'Total runtime' ? 'Execution Time' : time[1]] = Number(time[2]);
    return;
  }
  if (t === 'Planning:' || t === 'JIT:') {
    const name = t === 'JIT:' ? 'JIT' : 'Planning';
    const target: Record<string, unknown> = {};
    top[name] = target;
    stack.push({ kind: 'block', col: line.indent, name, target });
    return;
  }
  const trigger = /^Trigger (.+?): (?:time=([\d.]+) )?calls=(\d+)$/.exec(t);
  if (trigger) {
    const entry: Record<string, unknown> = {};
    let who = trigger[1];
    const on = / on (\S+)$/.exec(who);
    if (on) {
      entry['Relation'] = on[1];
      who = who.slice(0, on.index);
    }
    const constraint = /^for constraint (.+)$/.exec(who);
    if (constraint) entry['Constraint Name'] = constraint[1];
    else entry['Trigger Name'] = who;
    if (trigger[2] !== undefined) entry['Time'] = Number(trigger[2]);
    entry['Calls'] = Number(trigger[3]);
    ((top['Triggers'] ??= []) as unknown[]).push(entry);
    return;
  }
  const settings = /^Settings: (.*)$/.exec(t);
  if (settings) {
    const obj: Record<string, string> = {};
    const re = /([\w.]+) = '((?:[^']|'')*)'/g;
    for (let m = re.exec(settings[1]); m; m = re.exec(settings[1])) obj[m[1]] = m[2].replace(/''/g, "'");
    top['Settings'] = obj;
    return;
  }
  const generic = /^([A-Z][A-Za-z /]*): (.*)$/.exec(t);
  if (generic) {
    top[generic[1]] = scalar(generic[2]);
    return;
  }
  throw badLine(line, `expected a plan node or a statement line like 'Execution Time: … ms', got '${clip(t)}'`);
}

function readBlockLine(line: Line, frame: Extract<Frame, { kind: 'block' }>, t: string): void {
  if (frame.name === 'Planning') {
    if (!applyDetail(frame.target, t)) throw badLine(line, `expected 'Buffers: …' under 'Planning:', got '${clip(t)}'`);
    return;
  }
  const m = /^(\w+): (.*)$/.exec(t);
  if (!m) throw badLine(line, `expected a JIT detail like 'Functions: 3', got '${clip(t)}'`);
  if (m[1] === 'Functions') frame.target['Functions'] = Number(m[2]);
  else if (m[1] === 'Options') {
    const options: Record<string, boolean> = {};
    for (const part of m[2].split(/,\s*/)) {
      const o = /^(\w+) (true|false)$/.exec(part);
      if (o) options[o[1]] = o[2] === 'true';
    }
    frame.target['Options'] = options;
  } else if (m[1] === 'Timing') {
    // "Generation 0.375 ms, Inlining 4.570 ms, …" (17+: "Generation 1.0 ms (Deform 0.2 ms), …")
    const timing: Record<string, unknown> = {};
    const re = /(\w+) ([\d.]+) ms(?: \((\w+) ([\d.]+) ms\))?/g;
    for (let p = re.exec(m[2]); p; p = re.exec(m[2])) {
      timing[p[1]] = p[3] ? { [p[3]]: Number(p[4]), Total: Number(p[2]) } : Number(p[2]);
    }
    frame.target['Timing'] = timing;
  } else {
    frame.target[m[1]] = scalar(m[2]);
  }
}

const MEMBERS = new Set(['Append', 'Merge Append', 'BitmapAnd', 'BitmapOr', 'Custom Scan']);

/** "Parent Relationship" as FORMAT JSON gives it; subplans got theirs from their header. */
function assignRelationships(root: RawNode): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as RawNode;
    const type = node.fields['Node Type'];
    let index = 0;
    for (const child of node.children) {
      if (child.fields['Parent Relationship'] === undefined) {
        child.fields['Parent Relationship'] = MEMBERS.has(type)
          ? 'Member'
          : type === 'Subquery Scan'
            ? 'Subquery'
            : index === 0
              ? 'Outer'
              : 'Inner';
        index++;
      }
      stack.push(child);
    }
  }
}

/** Inputs every node of a type has: fewer means the text stops in the middle of the tree. */
const REQUIRED_INPUTS: Record<string, number> = {
  'Hash Join': 2,
  'Merge Join': 2,
  'Nested Loop': 2,
  Hash: 1,
  Sort: 1,
  'Incremental Sort': 1,
  Limit: 1,
  Gather: 1,
  'Gather Merge': 1,
  Materialize: 1,
  Memoize: 1,
  Unique: 1,
  Aggregate: 1,
  Group: 1,
  WindowAgg: 1,
  LockRows: 1,
  'Bitmap Heap Scan': 1,
  'Subquery Scan': 1,
};

function checkComplete(root: RawNode, lines: Line[]): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as RawNode;
    const inputs = node.children.filter((c) => !['InitPlan', 'SubPlan'].includes(String(c.fields['Parent Relationship']))).length;
    const required = REQUIRED_INPUTS[node.fields['Node Type']] ?? 0;
    if (inputs < required) {
      const last = lines.filter((l) => l.text.trim() !== '').pop();
      const lineNo = last?.no ?? node.line ?? 1;
      throw new TunerError(
        'not-a-plan',
        `line ${lineNo}: the plan is truncated: '${node.fields['Node Type']}' (line ${node.line}) has ${inputs} of its ${required} input${required > 1 ? 's' : ''}`,
        { line: lineNo },
      );
    }
    stack.push(...node.children);
  }
}

function badLine(line: Line, message: string): TunerError {
  return new TunerError('not-a-plan', `line ${line.no}: ${message}`, { line: line.no });
}

function clip(s: string, max = 60, tail = false): string {
  if (s.length <= max) return s;
  return tail ? `…${s.slice(-max)}` : `${s.slice(0, max)}…`;
}
