/**
 * auto_explain output as found in a server log or as a NOTICE printed by psql:
 *   2024-05-01 12:00:00.123 UTC [1234] LOG:  duration: 12.152 ms  plan:
 *   <TAB>Query Text: SELECT …
 *   <TAB>Sort  (cost=…
 * The stderr log puts a tab before every continuation line of a message; a NOTICE and many log viewers don't.
 * The first plan entry is taken; other entries (statement durations, checkpoints) around it are left out.
 */
import { LineSink, type PastedLines } from './pastedLines';

const PLAN_ENTRY = /\b(?:LOG|NOTICE|INFO|DEBUG\d?|WARNING):\s+duration: [\d.]+ ms\s+plan:\s*(.*)$/;
/** The start of another log entry or psql message; ends a plan given without tab continuations. */
const OTHER_ENTRY =
  /^\S.*?\b(?:LOG|NOTICE|INFO|DEBUG\d?|WARNING|ERROR|FATAL|PANIC|STATEMENT|DETAIL|HINT|CONTEXT|LOCATION):\s/;

/** The plan lines of the first auto_explain entry, or undefined when the text has none. */
export function planFromLog(input: PastedLines): PastedLines | undefined {
  const { lines, nos } = input;
  let at = -1;
  let m: RegExpExecArray | null = null;
  for (let i = 0; i < lines.length && at < 0; i++) {
    if (lines[i].includes('duration:')) {
      m = PLAN_ENTRY.exec(lines[i]);
      if (m) at = i;
    }
  }
  if (at < 0 || !m) return undefined;
  const out = new LineSink();
  if (m[1].trim() !== '') out.push(m[1], nos[at]);
  const tabbed = lines[at + 1]?.startsWith('\t') ?? false;
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i];
    if (tabbed) {
      if (!line.startsWith('\t')) break;
      out.push(line.slice(1), nos[i]);
    } else {
      if (line.trim() === '' || OTHER_ENTRY.test(line)) break;
      out.push(line, nos[i]);
    }
  }
  return out;
}
