/**
 * ORM N+1 loops as `pg-tuner loops` and the MCP loops tool report them: where, the ORM and how it was told
 * (its types, or the call's shape), why it is slow, the batched call, and the code change as a diff or why there
 * is none. The finder (and with it the TypeScript compiler) loads only for files with an ORM-shaped call.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { OrmNPlusOneAdvice } from '../../core/advice/nPlusOne/findOrmNPlusOne';
import { mayHoldOrmCall } from '../../core/advice/nPlusOne/mayHoldQuery';
import { ormNames } from '../../core/advice/nPlusOne/ormCalls';
import { lineColumnAt } from '../../core/positions';
import { TunerError } from '../../core/errors';
import type { Colours } from '../colours';
import { indent } from '../indent';

/** One ORM loop as the command reports it: where (1-based), and the core's advice. */
export interface OrmLoopReport {
  path: string;
  /** Line and column of the ORM call inside the loop. */
  line: number;
  column: number;
  loopLines: { start: number; end: number };
  advice: OrmNPlusOneAdvice;
  /** With --apply: whether its edits were written (false when they overlap another loop's edits). */
  applied?: boolean;
}

/** The ORM loops of one file (none without an ORM-shaped call, before the compiler loads). */
export async function ormLoopReports(text: string, file: string, path: string): Promise<OrmLoopReport[]> {
  if (!mayHoldOrmCall(text)) return [];
  const { adviseOrmNPlusOne } = await import('../../core/advice/nPlusOne/findOrmNPlusOne');
  return adviseOrmNPlusOne(text, file).map((advice) => {
    const at = lineColumnAt(text, advice.finding.range.start);
    return {
      path,
      line: at.line + 1,
      column: at.column + 1,
      loopLines: {
        start: lineColumnAt(text, advice.finding.loopRange.start).line + 1,
        end: lineColumnAt(text, advice.finding.loopRange.end).line + 1,
      },
      advice,
    };
  });
}

function how(a: OrmNPlusOneAdvice): string {
  return `${ormNames[a.finding.orm]}, told by ${a.finding.recognisedBy === 'types' ? 'its type declarations' : 'the call’s shape (no types resolved)'}`;
}

/** The terminal text of one ORM loop; `diff` is its edits as unified-diff lines. */
export function formatOrmLoop(r: OrmLoopReport, diff: string[], c: Colours): string {
  const a = r.advice;
  const body: string[] = [
    `ORM: ${how(a)}`,
    `Round trips: ${c.bold('N → 1')} (one query per parent, then one batched query for all of them)`,
  ];
  body.push(`Why: ${a.explanation}`);
  if (a.batchedCall) body.push('Batched query:', indent(c.cyan(a.batchedCall), '  '));
  if (a.edits.length === 0) body.push(c.yellow(a.noEditReason ?? 'No code change.'));
  else {
    body.push(
      `Code change (${r.applied === true ? 'applied' : r.applied === false ? "not applied: it overlaps another loop's change; change it by hand" : 'run with --apply to write it'}):`,
    );
    body.push(
      indent(
        diff.map((l) => (l.startsWith('@@') ? c.cyan(l) : l.startsWith('-') ? c.red(l) : c.green(l))).join('\n'),
        '  ',
      ),
    );
  }
  for (const cv of a.caveats) body.push(`Caveat: ${cv}`);
  return [`${c.bold(`${r.path}:${r.line}:${r.column}`)}  ${c.yellow(a.title)}`, indent(body.join('\n'))].join('\n');
}

/** The Markdown lines of one ORM loop. */
export function ormLoopMarkdown(r: OrmLoopReport, diff: string[]): string[] {
  const a = r.advice;
  const out = ['', `### \`${r.path}:${r.line}:${r.column}\` ${a.title}`, '', `${how(a)}. Round trips: **N → 1**`];
  out.push('', a.explanation);
  if (a.batchedCall) out.push('', '```ts', a.batchedCall, '```');
  out.push('');
  if (a.edits.length === 0) out.push(a.noEditReason ?? 'No code change.');
  else out.push('```diff', ...diff, '```');
  if (a.caveats.length > 0) out.push('', ...a.caveats.map((cv) => `- ${cv}`));
  return out;
}

/** The MCP tool's entry for one ORM loop: the change as a diff, never written. */
export function ormLoopEntry(r: OrmLoopReport, diff: string[]): Record<string, unknown> {
  const a = r.advice;
  return {
    path: r.path,
    line: r.line,
    column: r.column,
    orm: a.finding.orm,
    recognisedBy: a.finding.recognisedBy,
    title: a.title,
    explanation: a.explanation,
    batchedCall: a.batchedCall,
    diff: diff.join('\n'),
    noEditReason: a.noEditReason,
    caveats: a.caveats,
  };
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * --apply for ORM loops: each file's ORM loops batched in one write, from the file as it is now (the raw-SQL
 * changes may have been written first; the ORM loops are found again in that text, in the same order). Two loops
 * whose edits overlap (or add the same import) are applied one at a time: the second waits for the next run.
 * Returns how many loops were written per file.
 */
export async function applyOrmLoops(
  reports: OrmLoopReport[],
  fileOf: (path: string) => string,
): Promise<Map<string, number>> {
  const written = new Map<string, number>();
  const byPath = new Map<string, OrmLoopReport[]>();
  for (const r of reports) if (r.advice.edits.length > 0) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  if (byPath.size === 0) return written;
  const { adviseOrmNPlusOne } = await import('../../core/advice/nPlusOne/findOrmNPlusOne');
  for (const [path, shown] of byPath) {
    const file = fileOf(path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TunerError('bad-input', `Cannot read ${path}: ${(err as Error).message}.`, { cause: err });
    }
    const now = adviseOrmNPlusOne(text, file).filter((a) => a.edits.length > 0);
    const taken: Array<{ start: number; end: number }> = [];
    const edits: Array<{ range: { start: number; end: number }; newText: string }> = [];
    shown.forEach((r, i) => {
      const a = now[i];
      r.applied =
        a !== undefined &&
        a.finding.method === r.advice.finding.method &&
        !a.edits.some((e) =>
          taken.some((t) => overlaps(t, e.range) || (t.start === e.range.start && t.end === e.range.end)),
        );
      if (!r.applied || !a) return;
      taken.push(...a.edits.map((e) => e.range));
      edits.push(...a.edits);
    });
    if (edits.length === 0) continue;
    let out = text;
    for (const e of [...edits].sort((x, y) => y.range.start - x.range.start))
      out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
    try {
      writeFileSync(file, out);
    } catch (err) {
      throw new TunerError('bad-input', `Cannot write ${path}: ${(err as Error).message}.`, { cause: err });
    }
    written.set(path, shown.filter((r) => r.applied).length);
  }
  return written;
}
