/**
 * Reads EXPLAIN (FORMAT YAML) as PostgreSQL writes it (explain.c), and auto_explain's YAML: block mappings
 * and block sequences by indentation, `- ` items whose first key shares the line, strings always
 * double-quoted with JSON escapes, numbers and booleans bare, and an empty group as `Key: ` with nothing
 * under it. That is all the YAML EXPLAIN emits, and all this reads: no flow style, anchors or multi-line
 * scalars. The result has FORMAT JSON's shape, so the JSON reader's tree building takes it.
 */
import { TunerError } from '../errors';
import { rawPlanFromDocument } from './readJsonPlan';
import type { RawPlan } from './rawPlan';
import { psqlCellLines } from './psqlCellLines';

interface YamlLine {
  no: number;
  indent: number;
  /** The line without its indentation. */
  text: string;
}

/** Keys whose empty YAML group is an object in FORMAT JSON; other empty groups are lists ("Triggers": []). */
const OBJECT_GROUPS = new Set(['Settings', 'Planning', 'JIT', 'Options', 'Timing']);
const KEY_LINE = /^([^:"]+):(?: (.*))?$/;

export function readYamlPlan(text: string, lineMap?: number[]): RawPlan {
  const cell = psqlCellLines(text, lineMap);
  const lines: YamlLine[] = [];
  cell.lines.forEach((l, i) => {
    if (l.trim() === '') return;
    const body = l.trimStart();
    lines.push({ no: cell.nos[i], indent: l.length - body.length, text: body });
  });
  if (lines.length === 0) throw new TunerError('not-a-plan', 'the YAML plan is empty', { line: 1 });
  return rawPlanFromDocument(readBlocks(lines), 'yaml');
}

type Open = { indent: number } & ({ kind: 'map'; value: Record<string, unknown> } | { kind: 'seq'; value: unknown[] });

const isDash = (text: string): boolean => text === '-' || text.startsWith('- ');

/**
 * One pass over the lines with the open mappings and sequences on an explicit stack (a plan thousands of
 * levels deep must not overflow the call stack). A line closes the blocks indented deeper than it; a
 * `Key:` with nothing after it opens the block of the lines indented under it (or of the `- ` lines at its own
 * column), or is an empty group.
 */
function readBlocks(lines: YamlLine[]): unknown {
  const first = lines[0];
  const root: Open = isDash(first.text)
    ? { kind: 'seq', indent: first.indent, value: [] }
    : { kind: 'map', indent: first.indent, value: {} };
  const stack: Open[] = [root];
  let pending: { obj: Record<string, unknown>; key: string; indent: number } | undefined;
  for (const line of lines) {
    let { indent, text } = line;
    if (pending) {
      const { obj, key } = pending;
      if (indent > pending.indent || (indent === pending.indent && isDash(text))) {
        const open: Open = isDash(text) ? { kind: 'seq', indent, value: [] } : { kind: 'map', indent, value: {} };
        obj[key] = open.value;
        stack.push(open);
      } else {
        obj[key] = OBJECT_GROUPS.has(key) ? {} : [];
      }
      pending = undefined;
    }
    while (stack.length > 0 && stack[stack.length - 1].indent > indent) stack.pop();
    let top = stack[stack.length - 1];
    // A sequence at its key's own column ends at the next key of that mapping.
    if (top && top.kind === 'seq' && !isDash(text) && stack.length > 1 && stack[stack.length - 2].indent === indent) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (!top || top.indent !== indent) throw bad(line, 'a line at this indentation');
    if (top.kind === 'seq') {
      if (!isDash(text)) throw bad(line, "a '- ' item");
      const rest = text.slice(2);
      if (!(KEY_LINE.test(rest) && !rest.startsWith('"'))) {
        top.value.push(scalar(rest, line));
        continue;
      }
      // "- Node Type: …": the item is a mapping whose first key sits after the dash.
      const item: Open = { kind: 'map', indent: indent + 2, value: {} };
      top.value.push(item.value);
      stack.push(item);
      top = item;
      indent += 2;
      text = rest;
    }
    if (top.kind !== 'map' || isDash(text)) throw bad(line, "a 'Key: value' line");
    const m = KEY_LINE.exec(text);
    if (!m) throw bad(line, "a 'Key: value' line");
    const value = (m[2] ?? '').trim();
    if (value !== '') top.value[m[1]] = scalar(value, line);
    else pending = { obj: top.value, key: m[1], indent };
  }
  if (pending) pending.obj[pending.key] = OBJECT_GROUPS.has(pending.key) ? {} : [];
  return root.value;
}

function bad(line: YamlLine, expected: string): TunerError {
  const shown = line.text.length > 60 ? `${line.text.slice(0, 60)}…` : line.text;
  return new TunerError('not-a-plan', `line ${line.no}: expected ${expected} of a YAML plan, got '${shown}'`, {
    line: line.no,
  });
}

function scalar(value: string, line: YamlLine): unknown {
  if (value.startsWith('"')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw bad(line, 'a double-quoted string');
    }
  }
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}
