/**
 * Reads EXPLAIN's text format as pasted: psql's `QUERY PLAN` header and `(N rows)` footer, a leading prompt
 * line, `+` marks, CRLF, and long lines cut by a terminal. The tree comes from indentation: a node line is
 * `->  Name  (cost=…)`, its details are indented under it, "InitPlan 1" / "SubPlan 2" / "CTE x" headers
 * introduce the subplans below them. Detail lines become the keys FORMAT JSON uses (textDetails.ts).
 */
import { TunerError } from '../errors';
import { readCitusNodes } from './citusNodes';
import type { RawPlanFields } from './planNode';
import { isPsqlFooter } from './psqlFooter';
import type { RawNode, RawPlan } from './rawPlan';
import { applyDetail, scalar } from './textDetails';
import { expandedHead, hasLeadingTab, indentOf, logicalLines, SUBPLAN_HEADER, type Line } from './textLines';
import { hasNodeStats, looksCutNodeLine, looksLikeNodeName, parseNodeHeader } from './textNodeHeader';

type Frame = { col: number; start: number; child: number; no: number } & (
  | { kind: 'node'; node: RawNode }
  | { kind: 'subplan'; owner: RawNode; name: string }
  | { kind: 'worker'; worker: Record<string, unknown> }
  | { kind: 'block'; name: 'Planning' | 'JIT'; target: Record<string, unknown> }
);

/** One reading of the lines at one tab width. */
export interface TextReading {
  plan: RawPlan;
  /** For each logical line, the line number of the node (or header) it was read under; -1 at top level. */
  owners: Int32Array;
  /** True when every line sits at the column EXPLAIN itself puts it (two more than its parent's text). */
  exact: boolean;
  /** The first line that is not where EXPLAIN puts it, when not exact. */
  firstOff?: Line;
}

const EXAMPLE = "expected a plan node like 'Seq Scan on t  (cost=…)'";
/** Tab widths tried when indentation has tabs, the likeliest first (its reading is kept when all agree). */
const TAB_WIDTHS = [8, 4, 2, 3, 6, 5, 7];

export function readTextPlan(text: string): RawPlan {
  const lines = logicalLines(text);
  const rootIndex = findRoot(lines);
  if (!lines.some(hasLeadingTab)) return readLines(lines, rootIndex, 1).plan;
  return readTabbed(lines, rootIndex);
}

/**
 * Tabs in the indentation (an editor turned runs of spaces into tabs at its stops): each plausible stop
 * width is tried. Readings where every line lands on EXPLAIN's own columns win over the others; among the
 * winners, one tree or several identical ones is read; trees that differ are refused, naming the first
 * line they put under different parents, rather than guessing.
 */
function readTabbed(lines: Line[], rootIndex: number): RawPlan {
  const readings: Array<{ width: number; reading: TextReading }> = [];
  let firstError: unknown;
  for (const width of TAB_WIDTHS) {
    try {
      readings.push({ width, reading: readLines(lines, rootIndex, width) });
    } catch (err) {
      if (!(err instanceof TunerError)) throw err;
      firstError ??= err;
    }
  }
  const pool = readings.filter((r) => r.reading.exact);
  if (pool.length === 0) {
    if (readings.length === 0) throw firstError;
    // Readable at some widths but at none where the lines line up as EXPLAIN prints them: lines converted at
    // different widths, or edited. Any of those trees may be the wrong one.
    const furthest = readings.reduce((a, b) => ((b.reading.firstOff?.no ?? 0) > (a.reading.firstOff?.no ?? 0) ? b : a));
    const line = furthest.reading.firstOff ?? lines[rootIndex];
    throw badLine(
      line,
      'the indentation mixes tabs and spaces, and at no tab width (2 to 8 columns) do the lines line up as EXPLAIN ' +
        'prints them: the tree cannot be told; paste the plan with spaces, as EXPLAIN prints it',
    );
  }
  const [first, ...rest] = pool;
  for (const other of rest) {
    const at = firstDifference(first.reading.owners, other.reading.owners);
    if (at < 0) continue;
    const line = lines[at];
    const under = (r: TextReading): string => {
      const owner = r.owners[at];
      return owner < 0 ? 'at the top level' : `under line ${owner}`;
    };
    throw badLine(
      line,
      `the indentation mixes tabs and spaces, and the tree depends on the tab width: with tab stops every ` +
        `${first.width} columns this line is ${under(first.reading)}, every ${other.width} columns ${under(other.reading)}; ` +
        'paste the plan with spaces, as EXPLAIN prints it',
    );
  }
  return first.reading.plan;
}

function firstDifference(a: Int32Array, b: Int32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function readLines(lines: Line[], rootIndex: number, tabWidth: number): TextReading {
  const owners = new Int32Array(lines.length).fill(-2);
  let exact = true;
  let firstOff: Line | undefined;
  const off = (line: Line): void => {
    if (exact) firstOff = line;
    exact = false;
  };
  const root = lines[rootIndex];
  const rootText = expandedHead(root, tabWidth).trim();
  const rootArrow = /^->\s+/.exec(rootText);
  const rootNode = newNode(root, rootArrow ? rootText.slice(rootArrow[0].length) : rootText);
  const rootIndent = indentOf(root, tabWidth);
  // The root's children sit two columns right of its text. A fragment copied from inside a plan ("->  Hash
  // Join …") often lost the first line's indentation only: its next line shows where the text really was.
  let rootChild = rootIndent + (rootArrow ? rootArrow[0].length : 0) + 2;
  const next = lines[rootIndex + 1];
  if (next && next.text.trim() !== '') {
    const nextIndent = indentOf(next, tabWidth);
    if (nextIndent > rootIndent && nextIndent !== rootChild) {
      rootChild = nextIndent;
      if (!rootArrow && nextIndent !== rootIndent + 2) off(next);
    }
  }
  const top: Record<string, unknown> = {};
  const stack: Frame[] = [
    { kind: 'node', col: rootChild - 2, start: rootIndent, child: rootChild, no: root.no, node: rootNode },
  ];
  owners[rootIndex] = -1;

  for (let i = rootIndex + 1; i < lines.length; i++) {
    const line = lines[i];
    const t = expandedHead(line, tabWidth).trim();
    if (t === '' || isPsqlFooter(t)) break;
    const indent = indentOf(line, tabWidth);
    if (STATEMENT_TIME.test(t)) {
      // Never a node's detail: a Citus task's own time, or the statement's, wherever the line was indented.
      let task = stack.length - 1;
      while (task >= 0 && !(isTask(stack[task]) && stack[task].start < indent)) task--;
      stack.length = task + 1;
      if (task >= 0) {
        owners[i] = stack[task].no;
        if (exact && !taskTimeLine(stack[task], indent, t)) off(line);
        applyDetail((stack[task] as Extract<Frame, { kind: 'node' }>).node.fields, t);
      } else {
        owners[i] = -1;
        if (exact && indent !== rootIndent) off(line);
        readTopLevel(line, t, top, stack, indent);
      }
      continue;
    }
    // The deepest node whose arrow this line starts inside of: then it could be that node's or its parent's.
    let inside: Frame | undefined;
    while (stack.length > 0 && stack[stack.length - 1].col >= indent) {
      const popped = stack.pop() as Frame;
      if (!inside && popped.kind === 'node' && popped.start < indent) inside = popped;
    }
    const frame = stack[stack.length - 1];
    if (inside && frame && !taskTimeLine(frame, indent, t)) {
      throw badLine(
        line,
        `the indentation does not say whether this line belongs to '${frameLabel(inside)}' (line ${inside.no}) or to ` +
          `'${frameLabel(frame)}' (line ${frame.no}); paste the plan as EXPLAIN printed it`,
      );
    }
    owners[i] = frame ? frame.no : -1;
    if (exact && indent !== (frame ? frame.child : rootIndent) && !(frame && taskTimeLine(frame, indent, t))) off(line);
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
      const col = indent + arrow[0].length;
      stack.push({ kind: 'node', col, start: indent, child: col + 2, no: line.no, node });
      continue;
    }
    if (!frame) {
      readTopLevel(line, t, top, stack, indent);
      continue;
    }
    switch (frame.kind) {
      case 'node': {
        if (SUBPLAN_HEADER.test(t)) {
          stack.push({
            kind: 'subplan',
            col: indent,
            start: indent,
            child: indent + 2,
            no: line.no,
            owner: frame.node,
            name: t,
          });
          break;
        }
        const worker = /^Worker (\d+):\s*(.*)$/.exec(t);
        if (worker) {
          if (exact && detailsAfterChildren(frame.node)) off(line);
          const w = workerOf(frame.node.fields, Number(worker[1]));
          if (worker[2]) readWorkerDetail(line, w, worker[2]);
          stack.push({ kind: 'worker', col: indent, start: indent, child: indent + 2, no: line.no, worker: w });
          break;
        }
        if (!applyDetail(frame.node.fields, t)) {
          throw badLine(line, `${EXAMPLE} or a detail like 'Filter: …' under it, got '${clip(t)}'`);
        }
        if (exact && detailsAfterChildren(frame.node) && !taskTimeLine(frame, indent, t)) off(line);
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
  readCitusNodes(rootNode);
  checkComplete(rootNode, lines);
  return { plan: { root: rootNode, top, format: 'text' }, owners, exact, firstOff };
}

/**
 * EXPLAIN prints a node's details before its children (explain.c): a detail read under a node that already
 * has children is not where EXPLAIN put it. (Citus prints a scan's task details after its Distributed
 * Subplans.)
 */
function detailsAfterChildren(node: RawNode): boolean {
  return node.children.some(
    (c) => !c.fields['Node Type'].startsWith('Distributed Subplan') && c.fields['Parent Relationship'] !== 'InitPlan',
  );
}

const STATEMENT_TIME = /^(?:(?:Planning|Execution) [Tt]ime|Total runtime): /;

function isTask(frame: Frame): boolean {
  return frame.kind === 'node' && frame.node.fields['Node Type'] === 'Task';
}

/** Citus prints a task's own "Planning Time" / "Execution Time" at its remote plan's text column. */
function taskTimeLine(frame: Frame, indent: number, t: string): boolean {
  return (
    frame.kind === 'node' &&
    frame.node.fields['Node Type'] === 'Task' &&
    indent === frame.child + 4 &&
    /^(Planning|Execution) Time:/.test(t)
  );
}

function frameLabel(frame: Frame): string {
  switch (frame.kind) {
    case 'node':
      return frame.node.fields['Node Type'];
    case 'subplan':
      return frame.name;
    case 'worker':
      return `Worker ${String(frame.worker['Worker Number'])}`;
    case 'block':
      return `${frame.name}:`;
  }
}

/**
 * The plan's first line: the first node line that is not under an arrow (the root), or a fragment's first
 * node when the text starts with "->", or, for a plan without figures (COSTS OFF without ANALYZE), the first
 * line that names a node.
 */
function findRoot(lines: Line[]): number {
  const first = lines.findIndex((l) => isPlanLine(l.text));
  if (first < 0)
    throw new TunerError('not-a-plan', 'the plan is empty: only a psql header, no plan lines', { line: 1 });
  const t = lines[first].text.trim();
  if (t.startsWith('->') && hasNodeStatsOrName(t.replace(/^->\s+/, ''))) return first;
  const at = lines.findIndex((l) => !/^\s*->/.test(l.text) && hasNodeStats(l.text) && !/^\S+[=-][#>]/.test(l.text));
  if (at >= 0) return at;
  if (looksLikeNodeName(t)) return first;
  if (looksCutNodeLine(t)) {
    throw new TunerError('not-a-plan', `line ${lines[first].no}: the plan is truncated: '${clip(t)}'`, {
      line: lines[first].no,
    });
  }
  throw badLine(lines[first], `${EXAMPLE}, got '${clip(t)}'`);
}

/** Not blank, not psql's header, rule or footer, not a prompt line ("db=# EXPLAIN …"). */
function isPlanLine(text: string): boolean {
  const t = text.trim();
  return t !== '' && t !== 'QUERY PLAN' && !/^---[-+]*$/.test(t) && !isPsqlFooter(t) && !/^\S+[=-][#>]/.test(t);
}

function hasNodeStatsOrName(header: string): boolean {
  return hasNodeStats(header) || /^[A-Z]/.test(header);
}

function newNode(line: Line, header: string): RawNode {
  if (!hasNodeStats(header) && looksCutNodeLine(header)) {
    throw new TunerError(
      'not-a-plan',
      `line ${line.no}: the plan is truncated: the node line ends in '${clip(header, 40, true)}'`,
      {
        line: line.no,
      },
    );
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
  const actual = /^actual(?: time=(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?))? rows=(\d+(?:\.\d+)?) loops=(\d+)$/.exec(t);
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

function readTopLevel(line: Line, t: string, top: Record<string, unknown>, stack: Frame[], indent: number): void {
  // 9.4–9.6 wrote "Planning time" / "Execution time", 9.3 and older "Total runtime".
  const time = /^(Planning [Tt]ime|Execution [Tt]ime|Total runtime): (\d+(?:\.\d+)?) ms$/.exec(t);
  if (time) {
    top[time[1].startsWith('Planning') ? 'Planning Time' : 'Execution Time'] = Number(time[2]);
    return;
  }
  if (t === 'Planning:' || t === 'JIT:') {
    const name = t === 'JIT:' ? 'JIT' : 'Planning';
    const target: Record<string, unknown> = {};
    top[name] = target;
    stack.push({ kind: 'block', col: indent, start: indent, child: indent + 2, no: line.no, name, target });
    return;
  }
  // Greedy name: the tail is tried once from the last ": ", not from every one of them.
  const trigger = /^Trigger (.+): (?:time=(\d+(?:\.\d+)?) )?calls=(\d+)$/.exec(t);
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
    // A name starts after a non-name character: a long name is then scanned once, not from each of its letters.
    const re = /(?<![\w.])([\w.]+) = '((?:[^']|'')*)'/g;
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
    const re = /(?<!\w)(\w+) (\d+(?:\.\d+)?) ms(?: \((\w+) (\d+(?:\.\d+)?) ms\))?/g;
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
    const inputs = node.children.filter(
      (c) => !['InitPlan', 'SubPlan'].includes(String(c.fields['Parent Relationship'])),
    ).length;
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
    // One by one: spreading 400,000 children into push() overflows the call stack.
    for (const child of node.children) stack.push(child);
  }
}

function badLine(line: Line, message: string): TunerError {
  return new TunerError('not-a-plan', `line ${line.no}: ${message}`, { line: line.no });
}

function clip(s: string, max = 60, tail = false): string {
  if (s.length <= max) return s;
  return tail ? `…${s.slice(-max)}` : `${s.slice(0, max)}…`;
}
