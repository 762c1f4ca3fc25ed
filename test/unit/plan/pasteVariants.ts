/**
 * What tools and people do to a plan's text between EXPLAIN and our paste box, written out so that tests can
 * do it to every fixture: an editor turning spaces into tabs, quoting per line, psql's frames and footers in
 * another language, a terminal cutting lines, CRLF. Each takes the plan as EXPLAIN printed it.
 */
import type { Plan } from '../../../src/core/plan/planNode';

/**
 * GNU `unexpand`: leading blanks (with `all`, also every run of two or more blanks that reaches a tab stop)
 * become tabs at stops every `width` columns. `keep(lineIndex)` false leaves a line with its spaces (an
 * editor that converted only the lines it touched).
 */
export function unexpand(
  text: string,
  width: number,
  all = false,
  keep: (line: number) => boolean = () => true,
): string {
  return text
    .split('\n')
    .map((line, i) => (keep(i) ? unexpandLine(line, width, all) : line))
    .join('\n');
}

function unexpandLine(line: string, width: number, all: boolean): string {
  let out = '';
  let col = 0;
  let blanks = 0;
  let leading = true;
  for (const c of line) {
    if (c === ' ' && (leading || all)) {
      blanks++;
      col++;
      if (col % width === 0) {
        // A single blank before a stop stays a blank, as unexpand leaves it (but leading blanks always go).
        out += blanks >= 2 || leading ? '\t' : ' ';
        blanks = 0;
      }
      continue;
    }
    out += ' '.repeat(blanks) + c;
    blanks = 0;
    col++;
    leading = false;
  }
  return out + ' '.repeat(blanks);
}

/** Each line in single quotes: SQL style ('' inside) or Python style (\' inside, a comma after). */
export function singleQuoted(text: string, style: 'sql' | 'python'): string {
  return lines(text)
    .map((l) =>
      style === 'sql' ? `'${l.replace(/'/g, "''")}'` : `'${l.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}',`,
    )
    .join('\n');
}

/** pgAdmin's copy with headers: every cell in double quotes, quotes doubled. */
export function doubleQuoted(text: string): string {
  return ['"QUERY PLAN"', ...lines(text).map((l) => `"${l.replace(/"/g, '""')}"`)].join('\n');
}

/** psql's aligned output: header, rule, one-space margin, footer in psql's language. */
export function psqlAligned(text: string, footer: (rows: number) => string = (n) => `(${n} rows)`): string {
  const body = lines(text);
  const width = Math.max(10, ...body.map((l) => l.length));
  const pad = Math.floor((width - 10) / 2);
  return [
    `${' '.repeat(pad + 1)}QUERY PLAN`,
    '-'.repeat(width + 2),
    ...body.map((l) => ` ${l}`),
    footer(body.length),
    '',
  ].join('\n');
}

/** psql's `\pset border 2`. */
export function psqlBorder2(text: string): string {
  const body = lines(text);
  const width = Math.max(10, ...body.map((l) => l.length));
  const rule = `+-${'-'.repeat(width)}-+`;
  const row = (s: string): string => `| ${s.padEnd(width)} |`;
  return [
    rule,
    row('QUERY PLAN'.padStart(Math.floor((width + 10) / 2))),
    rule.replace(/-/g, '-'),
    ...body.map(row),
    rule,
    `(${body.length} rows)`,
    '',
  ].join('\n');
}

/** A terminal `width` columns wide cuts each longer line into pieces; copied with CRLF line ends. */
export function terminalCut(text: string, width: number): string {
  const out: string[] = [];
  for (const l of lines(text)) {
    for (let i = 0; i < l.length || i === 0; i += width) out.push(l.slice(i, i + width));
  }
  return out.join('\r\n') + '\r\n';
}

export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

function lines(text: string): string[] {
  return text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
}

/** A small deterministic PRNG (mulberry32), so a failing variant can be made again. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The tree as a reader must give it: per node its parent, kind, target, relationship and the figures and
 * details a misplaced line would change (a Filter on another node, a Buffers line dropped).
 */
export function treeOf(plan: Plan): string[] {
  const out = plan.nodes.map((n) => {
    const f = n.fields;
    return [
      n.parentId,
      f['Node Type'],
      f['Relation Name'],
      f['Alias'],
      f['Index Name'],
      f['Custom Plan Provider'],
      f['Parent Relationship'],
      f['Subplan Name'],
      f['Join Type'],
      f['Plan Rows'],
      f['Actual Rows'],
      f['Actual Loops'],
      f['Actual Total Time'],
      f['Filter'],
      f['Index Cond'],
      f['Hash Cond'],
      f['Recheck Cond'],
      f['Rows Removed by Filter'],
      f['Shared Hit Blocks'],
      f['Shared Read Blocks'],
      f['Sort Method'],
      f['Peak Memory Usage'],
      Array.isArray(f['Workers']) ? f['Workers'].length : undefined,
      JSON.stringify(f['Sort Key'] ?? f['Group Key'] ?? null),
    ].join(' | ');
  });
  out.push(`execution ${plan.executionTimeMs} planning ${plan.planningTimeMs} triggers ${plan.triggers.length}`);
  return out;
}
