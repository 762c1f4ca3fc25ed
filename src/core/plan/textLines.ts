/**
 * The lines of a text plan as the reader takes them: CRLF and psql's `+` marks dropped, lines a terminal cut
 * at its width joined back, and the indentation of each line measured with tabs expanded to a given stop
 * width. Every step is one pass over the line: no regex here can backtrack over a run of spaces.
 */
import { isPsqlFooter } from './psqlFooter';
import { looksLikeNodeName } from './textNodeHeader';

export interface Line {
  /** 1-based line number in the input. */
  no: number;
  /** The line, without `+` mark and trailing white space; leading white space (tabs too) kept. */
  text: string;
}

/** "InitPlan 1 (returns $0)", "SubPlan 2", "CTE x"; before PostgreSQL 9.0 "InitPlan" and "SubPlan" had no number. */
export const SUBPLAN_HEADER = /^(?:(?:InitPlan|SubPlan)(?: \d+)?(?: \(returns [^)]*\))?|CTE .+)$/;
/**
 * A node line without its arrow: a name (maybe with parentheses: "Custom Scan (Citus Adaptive)"), white space,
 * the parenthesised figures. A terminal's continuation of a cut line starts inside the figures, not with a name.
 */
const ROOT_LINE = /^[A-Z][^:]*?\s\((?:cost=|actual |never executed)/;
export const TOP_LEVEL =
  /^(?:(?:Planning|Execution) [Tt]ime|Total runtime|Planning|JIT|Settings|Query Identifier|Serialization|Trigger [^:]+|QUERY PLAN)(?::|$)/;

/**
 * Physical lines → logical lines: CRLF and `+` marks dropped, lines a terminal cut at its width joined back.
 * A line that is not a line of its own (node, detail, subplan header, statement line, psql decoration)
 * continues the line before it when that one is long enough to have been cut (terminals are ≥ 40 wide).
 */
export function logicalLines(text: string): Line[] {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let marks = 0;
  for (const l of raw) if (plusMarked(l)) marks++;
  const out: Line[] = [];
  let prevLength = 0;
  for (let i = 0; i < raw.length; i++) {
    const p = marks >= 2 && plusMarked(raw[i]) ? raw[i].slice(0, raw[i].lastIndexOf('+')) : raw[i];
    const last = out[out.length - 1];
    // psql's rule under the header is never continued by a cut line: what follows it is the plan's first line.
    if (last && prevLength >= 40 && p.trim() !== '' && !isOwnLine(p) && !/^\s*---[-+]*$/.test(last.text)) {
      last.text += p;
      prevLength = p.length;
      continue;
    }
    out.push({ no: i + 1, text: p });
    prevLength = p.length;
  }
  for (const l of out) l.text = l.text.trimEnd();
  return out;
}

/** psql's aligned format ends a line that goes on in the next with " +" (white space, then the mark). */
function plusMarked(line: string): boolean {
  const end = line.trimEnd();
  return end.length >= 2 && end.endsWith('+') && /\s/.test(end[end.length - 2]);
}

function isOwnLine(p: string): boolean {
  const t = p.trim();
  const indent = p.length - p.trimStart().length;
  if (
    t.startsWith('->') ||
    ROOT_LINE.test(t) ||
    looksLikeNodeName(t) ||
    TOP_LEVEL.test(t) ||
    isPsqlFooter(t) ||
    /^---[-+]*$/.test(t)
  )
    return true;
  if (indent === 0) return false;
  return SUBPLAN_HEADER.test(t) || /^Worker \d+:/.test(t) || /^[A-Z][A-Za-z0-9 /()_-]*:(\s|$)/.test(t);
}

/** True when a line's indentation (or the gap after its arrow) has a tab: its columns then depend on the tab width. */
export function hasLeadingTab(line: Line): boolean {
  const t = line.text;
  let arrowSeen = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 9) return true;
    if (c === 32) continue;
    if (!arrowSeen && c === 45 && t.charCodeAt(i + 1) === 62) {
      arrowSeen = true;
      i++;
      continue;
    }
    return false;
  }
  return false;
}

/**
 * The line with the tabs of its indentation, and of the gap after a node's arrow ("->\tSeq Scan" where an
 * editor turned the arrow's two spaces into a tab), expanded at stops every `tabWidth` columns: what the
 * reader measures columns on. Tabs further in are left as they are (a tab inside a string constant is text).
 */
export function expandedHead(line: Line, tabWidth: number): string {
  const t = line.text;
  if (!t.includes('\t')) return t;
  let out = '';
  let col = 0;
  let i = 0;
  let arrowSeen = false;
  for (; i < t.length; i++) {
    const c = t[i];
    if (c === ' ') {
      out += ' ';
      col++;
    } else if (c === '\t') {
      const n = tabWidth - (col % tabWidth);
      out += ' '.repeat(n);
      col += n;
    } else if (!arrowSeen && c === '-' && t[i + 1] === '>') {
      out += '->';
      col += 2;
      i++;
      arrowSeen = true;
    } else {
      break;
    }
  }
  return out + t.slice(i);
}

/** The column of a line's first non-blank character, tabs advancing to the next multiple of `tabWidth`. */
export function indentOf(line: Line, tabWidth: number): number {
  const t = line.text;
  let col = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 32) col++;
    else if (c === 9) col += tabWidth - (col % tabWidth);
    else return col;
  }
  return col;
}
