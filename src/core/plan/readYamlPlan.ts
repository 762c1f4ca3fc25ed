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
  const reader = new YamlReader(lines);
  const value = reader.block(lines[0].indent);
  if (reader.at < lines.length) throw reader.bad(lines[reader.at], 'a line at this indentation');
  return rawPlanFromDocument(value, 'yaml');
}

class YamlReader {
  at = 0;
  constructor(private readonly lines: YamlLine[]) {}

  /** The mapping or sequence whose lines start at column `indent`. */
  block(indent: number): unknown {
    const line = this.lines[this.at];
    return line.text === '-' || line.text.startsWith('- ') ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.lines[this.at]; line && line.indent === indent && (line.text === '-' || line.text.startsWith('- ')); line = this.lines[this.at]) {
      const rest = line.text.slice(2);
      if (KEY_LINE.test(rest) && !rest.startsWith('"')) {
        // "- Node Type: …": the item is a mapping whose first key sits after the dash.
        this.lines[this.at] = { no: line.no, indent: indent + 2, text: rest };
        items.push(this.mapping(indent + 2));
      } else {
        items.push(scalar(rest, line, this));
        this.at++;
      }
    }
    return items;
  }

  private mapping(indent: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    for (let line = this.lines[this.at]; line && line.indent === indent; line = this.lines[this.at]) {
      if (line.text.startsWith('- ')) throw this.bad(line, "a 'Key: value' line");
      const m = KEY_LINE.exec(line.text);
      if (!m) throw this.bad(line, "a 'Key: value' line");
      const key = m[1];
      const value = (m[2] ?? '').trim();
      this.at++;
      if (value !== '') {
        obj[key] = scalar(value, line, this);
        continue;
      }
      const next = this.lines[this.at];
      // PostgreSQL indents a group's lines by two; a sequence may also sit at the key's own column in YAML.
      if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')))) {
        obj[key] = this.block(next.indent);
      } else {
        obj[key] = OBJECT_GROUPS.has(key) ? {} : [];
      }
    }
    if (this.lines[this.at] && this.lines[this.at].indent > indent) throw this.bad(this.lines[this.at], 'a line at this indentation');
    return obj;
  }

  bad(line: YamlLine, expected: string): TunerError {
    const shown = line.text.length > 60 ? `${line.text.slice(0, 60)}…` : line.text;
    return new TunerError('not-a-plan', `line ${line.no}: expected ${expected} of a YAML plan, got '${shown}'`, { line: line.no });
  }
}

function scalar(value: string, line: YamlLine, reader: YamlReader): unknown {
  if (value.startsWith('"')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw reader.bad(line, 'a double-quoted string');
    }
  }
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}
