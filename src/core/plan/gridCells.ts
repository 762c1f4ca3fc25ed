/**
 * A plan copied from a result grid (pgAdmin, DBeaver) or exported as CSV: one cell per plan line, quoted
 * when the tool quotes ("Seq Scan on ""Order""  (cost=…)"), quotes doubled, a FORMAT JSON plan as one
 * multi-line quoted cell, an optional "QUERY PLAN" header row, and optionally a row-number column before a tab.
 */
import { LineSink, type PastedLines } from './pastedLines';

const ROW_NUMBER = /^\d+\t/;
const WHOLE_CELL = /^"(?:[^"]|"")*"[,;\t]?$/;
/** A JSON key at the start of a line: JSON text, not a grid cell. */
const JSON_KEY = /^\s*"[^"]*"\s*:/;
const CELL_OPENING = /^"(\[|\{|<explain\b|- Plan:)/;

/** The cells' text, one line per cell line; undefined when the text is not a grid copy. */
export function planFromGrid(input: PastedLines): PastedLines | undefined {
  const numbered = countMatching(input.lines, ROW_NUMBER) >= 2 || /^#\t/.test(input.lines[0] ?? '');
  const firstIndex = input.lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0) return undefined;
  const first = stripRowNumber(input.lines[firstIndex], numbered);
  const opensCell = first.startsWith('"') && !JSON_KEY.test(first);
  const quotedLine = input.lines.some((l) => WHOLE_CELL.test(stripRowNumber(l, numbered)) && !JSON_KEY.test(l));
  // A FORMAT JSON/YAML/XML plan is one multi-line cell; psql's CSV quotes it below an unquoted header.
  const multiLineCell = input.lines.some((l) => CELL_OPENING.test(stripRowNumber(l, numbered)));
  if (!numbered && !opensCell && !quotedLine && !multiLineCell) return undefined;

  const out = new LineSink();
  const { lines, nos } = input;
  for (let i = 0; i < lines.length; i++) {
    let line = stripRowNumber(lines[i], numbered);
    if (numbered && i === firstIndex && /^#?\t/.test(lines[i])) continue; // the grid's header row
    if (!line.startsWith('"') || JSON_KEY.test(line)) {
      out.push(line, nos[i]);
      continue;
    }
    // A quoted cell, maybe over several lines: read to the quote that is not doubled.
    const start = i;
    let cell = '';
    let pos = 1;
    let closed = false;
    for (;;) {
      while (pos < line.length) {
        const c = line[pos];
        if (c === '"') {
          if (line[pos + 1] === '"') {
            cell += '"';
            pos += 2;
            continue;
          }
          closed = true;
          break;
        }
        cell += c;
        pos++;
      }
      if (closed || i + 1 >= lines.length) break;
      cell += '\n';
      i++;
      line = lines[i];
      pos = 0;
    }
    const cellLines = cell.split('\n');
    for (let k = 0; k < cellLines.length; k++) out.push(cellLines[k], nos[start + k] ?? nos[i]);
  }
  // The header row of a copy "with headers".
  const head = out.lines.findIndex((l) => l.trim() !== '');
  if (head >= 0 && out.lines[head].trim() === 'QUERY PLAN') {
    out.lines.splice(head, 1);
    out.nos.splice(head, 1);
  }
  return out;
}

function stripRowNumber(line: string, numbered: boolean): string {
  return numbered ? line.replace(ROW_NUMBER, '') : line;
}

function countMatching(lines: string[], re: RegExp): number {
  let n = 0;
  for (let i = 0; i < lines.length && i < 50; i++) if (re.test(lines[i])) n++;
  return n;
}
