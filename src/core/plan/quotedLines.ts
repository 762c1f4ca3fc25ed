/**
 * A plan whose every line is wrapped in single quotes: copied from a SQL string literal, a Python list, a
 * log that quotes messages. The quotes come off, and the escapes inside with them: doubled quotes ('') as SQL
 * writes them, or backslash escapes (\' and \\) as Python's repr does. (Double quotes are the result grids'
 * and CSV's, and gridCells.ts reads them.)
 */
import { LineSink, type PastedLines } from './pastedLines';

/** One quoted line: the quote, the text, the quote, maybe a separator (",", ";", "+") after it. */
const QUOTED = /^\s*'(.*)'\s*[,;+]?\s*$/;

export function planFromQuotedLines(input: PastedLines): PastedLines | undefined {
  const { lines, nos } = input;
  let quoted = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (!QUOTED.test(line)) return undefined;
    quoted++;
  }
  if (quoted < 2) return undefined;
  const backslashes = lines.some((l) => l.includes("\\'"));
  const out = new LineSink();
  for (let i = 0; i < lines.length; i++) {
    const m = QUOTED.exec(lines[i]);
    if (!m) {
      out.push(lines[i], nos[i]);
      continue;
    }
    const text = backslashes ? m[1].replace(/\\(.)/g, '$1') : m[1].replace(/''/g, "'");
    if (text.trim() !== 'QUERY PLAN') out.push(text, nos[i]);
  }
  return out;
}
