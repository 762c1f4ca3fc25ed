/**
 * psql's output styles around a plan, taken off so that the readers see the cells' text:
 * - `\pset border 2`: `| … |` frames and `+---+` rules; the character before the right frame is psql's mark:
 *   `+` (ascii) or `↵` (unicode) a new line in the cell, `.` or `…` a line psql wrapped (`\pset format wrapped`);
 * - `\pset linestyle unicode`: `─` rules, `↵` new-line marks, `…` wrap marks;
 * - `\pset format wrapped` with border 1: a line cut at the table width ends in `.` and the next begins with `.`;
 * - `\x` (expanded): `-[ RECORD n ]---` lines and a `QUERY PLAN | ` column before each cell line.
 * Ascii `+` marks without frames are left to the readers, which have always taken them off.
 */
import { LineSink, type PastedLines } from './pastedLines';

const RECORD = /^[+|│┌├└]?[-─]\[ RECORD \d+ \][-─+┬┼┐┤┘]*$/;
const FRAME_RULE = /^[+┌├└][-─+┬┼┴┐┤┘]+$/;
const FRAMED = /^[|│].*[|│]$/;
// `---` then the rest: a `-{3,}` followed by `[-+]*` could split a long rule every way (quadratic).
const RULE = /^\s*(?:---|───)[-+─┼]*\s*$/;

export function planFromPsqlFrames(input: PastedLines): PastedLines | undefined {
  const probe = input.lines.slice(0, 50);
  if (probe.some((l) => RECORD.test(l))) return expanded(input);
  if (probe.some((l) => FRAME_RULE.test(l.trim())) && probe.some((l) => FRAMED.test(l.trim()))) return framed(input);
  const ruleAt = probe.findIndex((l) => RULE.test(l));
  const rule = ruleAt >= 0 ? probe[ruleAt] : undefined;
  // A rule that goes on over the next line was cut by a terminal: then the table is not psql's wrapped format.
  const ruleCut = ruleAt >= 0 && RULE.test(probe[ruleAt + 1] ?? '');
  const unicode = rule?.includes('─') || probe.some((l) => /[↵…]$/.test(l.trimEnd()));
  if (unicode) return unicodeBorder1(input);
  if (rule && !ruleCut && hasAsciiWraps(input, rule.trimEnd().length))
    return asciiWrapped(input, rule.trimEnd().length);
  return undefined;
}

/** `\x`: the cell text starts after the first `| ` of the record's first line, at the same column below it. */
function expanded(input: PastedLines): PastedLines {
  const out = new LineSink();
  let col = -1;
  input.lines.forEach((line, i) => {
    if (RECORD.test(line)) {
      col = -1;
      return;
    }
    if (col < 0) {
      const sep = /[|│] ?/.exec(line);
      if (!sep || !/^\s*QUERY PLAN\s*$/.test(line.slice(0, sep.index))) {
        if (line.trim() !== '') out.push(line, input.nos[i]);
        return;
      }
      col = sep.index + sep[0].length;
    }
    out.push(line.slice(col), input.nos[i]);
  });
  return out;
}

/** Border 2: each row `| text<mark>|`; cells joined back by their marks. */
function framed(input: PastedLines): PastedLines {
  const out = new LineSink();
  let pending = '';
  let pendingNo = 0;
  let sawHeader = false;
  input.lines.forEach((raw, i) => {
    const line = raw.trim();
    if (FRAME_RULE.test(line)) return;
    if (!FRAMED.test(line)) {
      if (pending === '' && line !== '') out.push(raw, input.nos[i]);
      return;
    }
    const inner = line.slice(1, -1);
    const mark = inner[inner.length - 1];
    let text = inner.slice(1, -1);
    if (!sawHeader && text.trim() === 'QUERY PLAN') {
      sawHeader = true;
      return;
    }
    if (pending !== '' && (text.startsWith('.') || text.startsWith('…'))) text = text.slice(1);
    if (pending === '') pendingNo = input.nos[i];
    if (mark === '.' || mark === '…') {
      pending += text;
      return;
    }
    out.push((pending + text).trimEnd(), pendingNo);
    pending = '';
  });
  if (pending !== '') out.push(pending.trimEnd(), pendingNo);
  return out;
}

/** Unicode, border 0/1: `↵` ends a line of the cell, `…` at the end and start joins two lines. */
function unicodeBorder1(input: PastedLines): PastedLines {
  const out = new LineSink();
  const { lines, nos } = input;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trimEnd();
    const no = nos[i];
    while (line.endsWith('…') && i + 1 < lines.length && /^\s*…/.test(lines[i + 1])) {
      i++;
      line = line.slice(0, -1) + lines[i].trimEnd().replace(/^(\s*)…/, '');
    }
    if (RULE.test(line)) line = line.replace(/─/g, '-').replace(/┼/g, '+');
    out.push(line.endsWith('↵') ? line.slice(0, -1).trimEnd() : line, no);
  }
  return out;
}

function hasAsciiWraps(input: PastedLines, width: number): boolean {
  const { lines } = input;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (isAsciiWrap(lines[i], lines[i + 1], width)) return true;
  }
  return false;
}

function isAsciiWrap(line: string, next: string, width: number): boolean {
  return line.length === width && line.endsWith('.') && next.startsWith('.');
}

/** `\pset format wrapped`, ascii, border 1: the cut line fills the width and ends in `.`; the next starts with it. */
function asciiWrapped(input: PastedLines, width: number): PastedLines {
  const out = new LineSink();
  const { lines, nos } = input;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const no = nos[i];
    while (i + 1 < lines.length && isAsciiWrap(lines[i], lines[i + 1], width)) {
      line = line.slice(0, -1) + lines[i + 1].slice(1);
      i++;
    }
    out.push(line, no);
  }
  return out;
}
