/**
 * The lines of a one-cell psql result (FORMAT YAML or XML): without the `QUERY PLAN` header, the rule, the
 * `(1 row)` footer, the `+` marks and the one-space margin of border 1. Line numbers stay the input's.
 */
import { LineSink, type PastedLines } from './pastedLines';
import { isPsqlFooter } from './psqlFooter';

export function psqlCellLines(text: string, lineMap?: number[]): PastedLines {
  const raw = text.split(/\r\n|\r|\n/);
  const plusMarked = raw.filter((l) => /\+$/.test(l)).length >= 2;
  const out = new LineSink();
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i];
    if (isPsqlFooter(line)) break;
    if (/^\s*QUERY PLAN\s*$/.test(line) || /^\s*---[-+]*\s*$/.test(line)) continue;
    if (plusMarked) line = line.replace(/\+$/, '');
    line = line.trimEnd();
    out.push(line, lineMap?.[i] ?? i + 1);
  }
  // Border 1 puts one space before each cell line; the first line shows whether it is there.
  const first = out.lines.find((l) => l !== '');
  if (first !== undefined && /^ \S/.test(first) && out.lines.every((l) => l === '' || l.startsWith(' '))) {
    out.lines = out.lines.map((l) => l.slice(1));
  }
  return out;
}
