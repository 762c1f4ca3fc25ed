/**
 * Takes off what surrounds a plan when it is pasted from somewhere (a log, a result grid, psql's frames and
 * marks, a terminal) and returns text of the shapes the readers take, with a line map for their errors and
 * the statement keys found on the way (auto_explain's Query Text). Plain input is returned as it is, without
 * a copy: a 50 MB JSON plan costs one look at its first character.
 */
import { planFromGrid } from './gridCells';
import { planFromLog } from './logPlan';
import { detectPlanFormat, type PlanFormat } from './planFormat';
import { LineSink, toPastedLines, type PastedLines } from './pastedLines';
import { planFromPsqlFrames } from './psqlFrames';
import { planFromQuotedLines } from './quotedLines';
import { hasNodeStats } from './textNodeHeader';

export interface UnwrappedPlanText {
  text: string;
  format: PlanFormat;
  /** lineMap[i] is the 1-based input line of line i + 1 of `text`; absent when the lines are the input's. */
  lineMap?: number[];
  /** Statement-level keys found outside the plan proper, named as FORMAT JSON names them. */
  top: Record<string, unknown>;
}

export function unwrapPastedText(input: string): UnwrappedPlanText {
  const start = firstNonSpace(input);
  if (start === '[' || start === '{') return { text: input, format: 'json', top: {} };

  let lines = toPastedLines(input);
  let changed = false;
  const stage = (next: PastedLines | undefined): void => {
    if (next) {
      lines = next;
      changed = true;
    }
  };
  // Quotes first: a quoted log line is still a log line once they are off.
  stage(planFromQuotedLines(lines));
  stage(planFromLog(lines));
  stage(planFromGrid(lines));
  stage(planFromPsqlFrames(lines));
  const top: Record<string, unknown> = {};
  let format = detectPlanFormat(changed ? lines.lines.slice(0, 200).join('\n') : input);
  if (format === 'text') stage(takeQueryText(lines, top));
  else stage(joinTerminalCuts(lines, format));
  if (!changed) return { text: input, format, top };
  const text = lines.lines.join('\n');
  format = detectPlanFormat(text);
  return { text, format, lineMap: lines.nos, top };
}

/**
 * auto_explain's text format starts with `Query Text: …` (the statement verbatim, over as many lines as it
 * has), then maybe `Query Parameters: …` (16+), then the plan's root line.
 */
function takeQueryText(input: PastedLines, top: Record<string, unknown>): PastedLines | undefined {
  const { lines, nos } = input;
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0 || !lines[first].trimStart().startsWith('Query Text: ')) return undefined;
  let root = first + 1;
  while (root < lines.length && !(hasNodeStats(lines[root]) && !/^\s*->/.test(lines[root]))) root++;
  if (root >= lines.length) return undefined;
  const head = lines.slice(first, root);
  head[0] = head[0].trimStart().slice('Query Text: '.length);
  const params = head.findIndex((l) => l.startsWith('Query Parameters: '));
  if (params >= 0) {
    top['Query Parameters'] = head.slice(params).join('\n').slice('Query Parameters: '.length);
    head.length = params;
  }
  top['Query Text'] = head.join('\n');
  const out = new LineSink();
  for (let i = root; i < lines.length; i++) out.push(lines[i], nos[i]);
  return out;
}

/**
 * A terminal cuts long lines at its width: the cut lines all have the longest length. Between JSON or XML
 * tokens a line break is only white space, so joining such a line to the next is safe even where it was not
 * cut; YAML is joined only where the next line cannot start a line of its own. Lines psql ended with `+` were
 * not cut.
 */
function joinTerminalCuts(input: PastedLines, format: PlanFormat): PastedLines | undefined {
  const { lines, nos } = input;
  let width = 0;
  for (const l of lines) if (l.length > width) width = l.length;
  // psql's aligned output pads every line of the cell to one width and marks its own line ends with `+`.
  if (width < 40 || lines.filter((l) => l.endsWith('+')).length >= 2) return undefined;
  const cut = (i: number): boolean =>
    lines[i].length === width &&
    !/\+$/.test(lines[i]) &&
    !/^\s*(---[-+]*|QUERY PLAN)\s*$/.test(lines[i]) &&
    i + 1 < lines.length &&
    lines[i + 1].trim() !== '' &&
    (format !== 'yaml' || !/^\s*(- )?[A-Za-z][\w ./()-]*:( |$)|^\s*- /.test(lines[i + 1]));
  let cuts = 0;
  for (let i = 0; i < lines.length; i++) if (cut(i)) cuts++;
  if (cuts < (format === 'yaml' ? 2 : 1)) return undefined;
  const out = new LineSink();
  for (let i = 0; i < lines.length; i++) {
    const no = nos[i];
    let line = lines[i];
    while (cut(i)) {
      i++;
      line += lines[i];
    }
    out.push(line, no);
  }
  return out;
}

/** The first character that is not white space, found without copying the text. */
function firstNonSpace(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== '\uFEFF') return c;
  }
  return undefined;
}
