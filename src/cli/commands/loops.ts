/**
 * `pg-tuner loops`: N+1 query loops in application code (.ts/.js), each with the one json_agg query that
 * replaces it, the code change as a diff, the round trips saved and, when the server has no index on the
 * foreign key, the index. Static without a server; a server (--url or PG* variables) adds its catalog
 * (column lists, primary key check, the foreign-key index); --measure also runs the loop and the single
 * query in a read-only transaction. --apply writes the code change. The TypeScript compiler loads only here.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import type { NPlusOneAdvice } from '../../core/advice/nPlusOne/adviseNPlusOne';
import { mayHoldQueryCall } from '../../core/advice/nPlusOne/mayHoldQuery';
import type { DatabaseSession } from '../../core/db/session';
import type { SessionTarget } from '../../core/db/openSession';
import { openSession } from '../../core/db/openSession';
import { TunerError } from '../../core/errors';
import { severityOrder } from '../../core/insights/insight';
import type { SourceRange } from '../../core/positions';
import { lineColumnAt } from '../../core/positions';
import { formatMs, formatRatio, formatSamples } from '../../core/text/formatNumbers';
import type { CliRequest } from '../args';
import { UsageError } from '../args';
import type { Colours } from '../colours';
import { exitCodes } from '../exitCodes';
import { indent } from '../indent';
import { globFiles } from '../inputs';
import type { CommandIo } from '../io';
import { sessionTarget } from '../runStatement';
import { applyOrmLoops, formatOrmLoop, ormLoopMarkdown, ormLoopReports, type OrmLoopReport } from './ormLoops';
import { stopText } from '../../core/advice/nPlusOne/measureLoop';

const scriptExtensions = new Set(['.ts', '.js', '.tsx', '.jsx', '.mjs', '.cjs', '.mts', '.cts']);
/** Dependencies and build output: the loops worth changing are in the sources. */
const skippedDirectories = new Set(['node_modules', 'dist', 'build', 'out', 'coverage']);
/** A loop is advice, as an insight of this severity would be; it decides --fail-on. */
const loopSeverity = 'warning';

function isScript(path: string): boolean {
  return scriptExtensions.has(extname(path)) && !/\.d\.[cm]?ts$/.test(path);
}

function cannotRead(path: string, err: unknown): TunerError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (err as Error).message;
  return new TunerError('bad-input', `Cannot read ${path}: ${why}.`, { cause: err });
}

function walk(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw cannotRead(dir, err);
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || skippedDirectories.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if ((entry.isFile() || entry.isSymbolicLink()) && isScript(entry.name)) out.push(path);
  }
  return out;
}

/**
 * The script files named by files, directories (recursively, without node_modules, build output and dot
 * folders) and globs (`src/**\/*.ts`), as absolute paths in the order given, each once.
 */
export function resolveSourceFiles(patterns: string[], cwd = process.cwd()): string[] {
  const paths = new Set<string>();
  for (const pattern of patterns) {
    const found: string[] = [];
    if (!/[*?]/.test(pattern)) {
      const full = resolve(cwd, pattern);
      let isDirectory: boolean;
      try {
        isDirectory = statSync(full).isDirectory();
      } catch (err) {
        throw cannotRead(pattern, err);
      }
      if (isDirectory) {
        found.push(...walk(full));
        if (found.length === 0)
          throw new TunerError(
            'bad-input',
            `${pattern} holds no .ts/.js files (node_modules, dist and build are skipped).`,
          );
      } else if (!isScript(full)) {
        throw new UsageError(`${pattern} is not a TypeScript or JavaScript file (.ts, .tsx, .js, .jsx, .mjs, .cjs).`);
      } else found.push(full);
    } else {
      found.push(...globFiles(pattern, cwd, walk));
      if (found.length === 0) throw new TunerError('bad-input', `No .ts/.js files match ${pattern}.`);
    }
    for (const p of found) paths.add(p);
  }
  return [...paths];
}

/** One loop as the command reports it: where (1-based), and the core's advice. */
export interface LoopReport {
  path: string;
  /** Line and column of the query call inside the loop (what the editor underlines). */
  line: number;
  column: number;
  /** Lines of the loop statement. */
  loopLines: { start: number; end: number };
  advice: NPlusOneAdvice;
  /** With --apply: whether its edits were written (false when they overlap another loop's edits; absent when it has none). */
  applied?: boolean;
}

export interface LoopsResult {
  /** The files scanned, relative to the working directory. */
  files: string[];
  /** The server whose catalog was read (and, with --measure, where the loops ran); absent when static. */
  database?: string;
  measured: boolean;
  loops: LoopReport[];
  /** Query calls in a loop over earlier rows for which no single query could be written (line of the call). */
  withoutRewrite: Array<{ path: string; line: number }>;
  /** ORM calls in loops (Prisma, Drizzle, TypeORM, Sequelize, knex), each with its batched form. */
  ormLoops: OrmLoopReport[];
}

/** The lines a set of edits touches, before and after, as one unified-diff hunk per run of adjacent lines. */
export function editHunks(text: string, edits: readonly { range: SourceRange; newText: string }[]): string[] {
  const lineStart = (offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = (offset: number): number => {
    const nl = text.indexOf('\n', offset);
    return nl < 0 ? text.length : nl + 1;
  };
  const spans = [...edits]
    .sort((a, b) => a.range.start - b.range.start)
    .map((e) => ({
      edit: e,
      start: lineStart(e.range.start),
      // A range that ends at a line start (a deleted loop takes its newline) touches no line after it.
      end: e.range.end > e.range.start && lineStart(e.range.end) === e.range.end ? e.range.end : lineEnd(e.range.end),
    }));
  const groups: Array<{ start: number; end: number; edits: typeof spans }> = [];
  for (const s of spans) {
    const last = groups[groups.length - 1];
    if (last && s.start <= last.end) {
      last.end = Math.max(last.end, s.end);
      last.edits.push(s);
    } else groups.push({ start: s.start, end: s.end, edits: [s] });
  }
  const lines = (t: string): string[] => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const out: string[] = [];
  let shift = 0;
  for (const g of groups) {
    let after = '';
    let at = g.start;
    for (const { edit } of g.edits) {
      after += text.slice(at, edit.range.start) + edit.newText;
      at = edit.range.end;
    }
    after += text.slice(at, g.end);
    const before = lines(text.slice(g.start, g.end));
    const added = lines(after);
    const oldLine = lineColumnAt(text, g.start).line + 1;
    out.push(`@@ -${oldLine},${before.length} +${oldLine + shift},${added.length} @@`);
    out.push(...before.map((l) => `-${l}`), ...added.map((l) => `+${l}`));
    shift += added.length - before.length;
  }
  return out;
}

/** `text` with the edits applied from the end backwards, so each edit's offsets still hold. */
function applyEdits(text: string, edits: readonly { range: SourceRange; newText: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start - a.range.start))
    out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

function overlaps(a: SourceRange, b: SourceRange): boolean {
  return a.start < b.end && b.start < a.end;
}

/** "1 + 50 → 1 round trips: loop 120 ms vs single query 4.10 ms (29.3× lower)". */
function measuredLine(advice: NPlusOneAdvice): string | undefined {
  const m = advice.measurement;
  if (!m) return undefined;
  const loop = `loop ${formatMs(m.loopMs)}${m.extrapolated ? ` (carried from ${m.sampledParents} sampled parents)` : ''}`;
  return `1 + ${m.parents} → 1 round trips: ${loop} vs single query ${formatMs(m.singleMs)} (${formatRatio(m.loopMs, m.singleMs)})`;
}

/** The caveats, without the one that repeats the index DDL printed in its own section. */
function caveatsBesideIndex(a: NPlusOneAdvice): string[] {
  const ddl = a.combined.indexDdl?.create;
  return ddl ? a.caveats.filter((cv) => !cv.includes(ddl)) : a.caveats;
}

function diffLines(r: LoopReport, text: string, c: Colours): string[] {
  return editHunks(text, r.advice.edits).map((l) =>
    l.startsWith('@@') ? c.cyan(l) : l.startsWith('-') ? c.red(l) : c.green(l),
  );
}

function formatLoop(r: LoopReport, text: string, c: Colours): string {
  const a = r.advice;
  const body: string[] = [];
  body.push(`Round trips: ${c.bold('1 + N → 1')}`);
  const m = a.measurement;
  if (m) {
    body.push(
      `Measured on ${m.where} (read-only transaction, median of ${m.samplesLoopMs.length}): ${measuredLine(a)}`,
    );
    body.push(`  Runs: loop ${formatSamples(m.samplesLoopMs)}; single query ${formatSamples(m.samplesSingleMs)}`);
    body.push(`  Rounds: ${stopText(m)}.${m.extrapolated ? ` Sample: ${m.scaling}.` : ''}`);
    body.push(
      m.sameShape ? `  Same result shape: ${m.shapeNote}` : c.yellow(`  Different result shape: ${m.shapeNote}`),
    );
  }
  body.push(`Why: ${a.explanation}`);
  body.push('Single query:', indent(c.cyan(a.combined.sql), '  '));
  // A loop whose effect the single query does not reproduce gets the query and the measurement, never a change.
  if (a.edits.length === 0) body.push(c.yellow(a.noEditReason ?? 'No code change.'));
  else {
    body.push(
      `Code change (${r.applied === true ? 'applied' : r.applied === false ? "not applied: it would change the outer query another loop's change replaces; change it by hand" : 'run with --apply to write it'}):`,
    );
    body.push(indent(diffLines(r, text, c).join('\n'), '  '));
  }
  for (const cv of caveatsBesideIndex(a)) body.push(`Caveat: ${cv}`);
  if (a.combined.indexDdl) {
    body.push(
      `Index (no index leads with ${a.combined.childTable}.${a.combined.foreignKey}):`,
      `  ${c.cyan(a.combined.indexDdl.create)}`,
      `  Rollback: ${a.combined.indexDdl.rollback}`,
    );
  }
  return [`${c.bold(`${r.path}:${r.line}:${r.column}`)}  ${c.yellow(a.title)}`, indent(body.join('\n'))].join('\n');
}

function summary(result: LoopsResult): string {
  const n = result.loops.length + result.ormLoops.length;
  return `${n === 0 ? 'No N+1 loop' : `${n} N+1 loop${n === 1 ? '' : 's'}`} found in ${result.files.length} file${result.files.length === 1 ? '' : 's'}.`;
}

export function formatLoops(result: LoopsResult, texts: Map<string, string>, c: Colours): string {
  const parts = result.loops.map((r) => formatLoop(r, texts.get(r.path) ?? '', c));
  for (const r of result.ormLoops) parts.push(formatOrmLoop(r, editHunks(texts.get(r.path) ?? '', r.advice.edits), c));
  parts.push(summary(result));
  return `${parts.join('\n\n')}\n`;
}

export function loopsMarkdown(result: LoopsResult, texts: Map<string, string>): string {
  const out = ['## N+1 query loops', '', summary(result)];
  for (const r of result.loops) {
    const a = r.advice;
    out.push('', `### \`${r.path}:${r.line}:${r.column}\` ${a.title}`, '', `Round trips: **1 + N → 1**`);
    const m = a.measurement;
    if (m) {
      out.push(
        '',
        `| Measured on ${m.where} (read-only, median of ${m.samplesLoopMs.length}) | loop (1 + ${m.parents}) | single query |`,
        '|---|---:|---:|',
        `| Time | ${formatMs(m.loopMs)}${m.extrapolated ? ' (scaled)' : ''} | ${formatMs(m.singleMs)} |`,
        `| Round trips | ${m.roundTripsBefore} | ${m.roundTripsAfter} |`,
        '',
        `Time with the single query: ${formatRatio(m.loopMs, m.singleMs)}. ${m.sameShape ? 'Same result shape' : '**Different result shape**'}: ${m.shapeNote}`,
        '',
        `Rounds: ${stopText(m)}.${m.extrapolated ? ` Sample: ${m.scaling}.` : ''}`,
      );
    }
    out.push('', a.explanation, '', '```sql', a.combined.sql, '```', '');
    if (a.edits.length === 0) out.push(a.noEditReason ?? 'No code change.');
    else out.push('```diff', ...editHunks(texts.get(r.path) ?? '', a.edits), '```');
    const caveats = caveatsBesideIndex(a);
    if (caveats.length > 0) out.push('', ...caveats.map((cv) => `- ${cv}`));
    if (a.combined.indexDdl)
      out.push('', '```sql', a.combined.indexDdl.create, `-- rollback: ${a.combined.indexDdl.rollback}`, '```');
  }
  for (const r of result.ormLoops) out.push(...ormLoopMarkdown(r, editHunks(texts.get(r.path) ?? '', r.advice.edits)));
  return `${out.join('\n')}\n`;
}

function readSource(path: string, shown: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw cannotRead(shown, err);
  }
}

export async function loopsCommand(request: CliRequest, io: CommandIo): Promise<number> {
  if (!request.sourcePaths) throw new Error('loops without paths');
  const { target } = sessionTarget({ ...request.database, embedded: false, schema: [] }, io.env);
  const server: SessionTarget | undefined = target.kind === 'server' ? target : undefined;
  if (request.measure && !server) {
    throw new UsageError(
      "--measure runs each loop's queries on a server: pass --url postgres://… (or set PGHOST/PGDATABASE).",
    );
  }
  const cwd = process.cwd();
  // Every path is checked before anything is parsed or connected: a typo fails at once, naming the path.
  const files = resolveSourceFiles(request.sourcePaths, cwd);
  const shownPath = (p: string): string => relative(cwd, p) || p;
  // The compiler (several MB) loads only for this command, and only once a file may hold a query.
  let advise: typeof import('../../core/advice/nPlusOne/adviseNPlusOne') | undefined;
  let find: typeof import('../../core/advice/nPlusOne/findNPlusOne') | undefined;
  let session: DatabaseSession | undefined;
  let ormWritten = new Map<string, number>();
  const texts = new Map<string, string>();
  const result: LoopsResult = {
    files: files.map(shownPath),
    measured: request.measure === true,
    loops: [],
    withoutRewrite: [],
    ormLoops: [],
  };
  if (!server)
    io.note(
      'No --url or PG* variables: static analysis only (child rows folded whole, foreign-key index not checked, nothing measured).',
    );
  try {
    for (const file of files) {
      const path = shownPath(file);
      const text = readSource(file, path);
      // ORM calls in loops: their batched form, found without a database (nothing measured).
      const ormReports = await ormLoopReports(text, file, path);
      if (ormReports.length > 0) {
        texts.set(path, text);
        result.ormLoops.push(...ormReports);
      }
      if (!mayHoldQueryCall(text)) continue;
      advise ??= await import('../../core/advice/nPlusOne/adviseNPlusOne');
      find ??= await import('../../core/advice/nPlusOne/findNPlusOne');
      const findings = find.findNPlusOne(text, file);
      const found = findings.length;
      if (found === 0) continue;
      if (server && !session) {
        session = await openSession(server);
        result.database = session.label;
      }
      if (request.measure && session)
        io.note(
          `Measuring ${found} loop(s) in ${path} on ${session.label} (read-only transaction; a sample of the parents, rounds until the ratio is clear; Ctrl-C stops with the best result so far)…`,
        );
      let measuring = '';
      // Without --measure a server gives its catalog (column lists, primary key, the foreign-key index) and runs nothing.
      const advice = await advise.adviseNPlusOne(session, text, file, {
        measure: request.measure === true,
        maxParents: request.maxParents,
        statementTimeoutMs: request.database.timeoutMs,
        signal: io.signal,
        // Progress goes to stderr, so stdout stays the result (JSON or Markdown).
        onMeasuring: (f) => {
          measuring = `${path}:${lineColumnAt(text, f.inner.range.start).line + 1}`;
        },
        onProgress: (p) => io.note(`  ${measuring}: ${p.message}`),
      });
      // The scans our measurements made are recorded by the session (ownScans.ts), for `pg-tuner health`.
      if (session) {
        if (advice.some((a) => a.measurement?.stoppedBy === 'cancelled'))
          io.note('Cancelled: showing the best result measured so far.');
      }
      for (const f of findings) {
        if (!advice.some((a) => a.finding.inner.range.start === f.inner.range.start))
          result.withoutRewrite.push({ path, line: f.line });
      }
      if (advice.length === 0) continue;
      texts.set(path, text);
      const reports = advice.map((a): LoopReport => {
        const at = lineColumnAt(text, a.finding.inner.range.start);
        return {
          path,
          line: at.line + 1,
          column: at.column + 1,
          loopLines: {
            start: lineColumnAt(text, a.finding.loopRange.start).line + 1,
            end: lineColumnAt(text, a.finding.loopRange.end).line + 1,
          },
          advice: a,
        };
      });
      if (request.apply) {
        // All loops of a file in one write. Two loops over the same rows share the outer query: only the first
        // may replace it, and the second's single query cannot be built on top (the outer one is grouped now).
        const taken: SourceRange[] = [];
        const edits: NPlusOneAdvice['edits'] = [];
        for (const r of reports) {
          if (r.advice.edits.length === 0) continue;
          r.applied = !r.advice.edits.some((e) =>
            taken.some((t) => overlaps(t, e.range) || (t.start === e.range.start && t.end === e.range.end)),
          );
          if (!r.applied) continue;
          taken.push(...r.advice.edits.map((e) => e.range));
          edits.push(...r.advice.edits);
        }
        try {
          writeFileSync(file, applyEdits(text, edits));
        } catch (err) {
          throw new TunerError('bad-input', `Cannot write ${path}: ${(err as Error).message}.`, { cause: err });
        }
      }
      result.loops.push(...reports);
    }
    // After the raw-SQL changes: the ORM loops are found again in what was written.
    if (request.apply) ormWritten = await applyOrmLoops(result.ormLoops, (p) => resolve(cwd, p));
  } finally {
    await session?.close();
  }
  if (result.withoutRewrite.length > 0) {
    const where = result.withoutRewrite.map((w) => `${w.path}:${w.line}`).join(', ');
    io.note(
      `Also a query in a loop over earlier rows, with no single query to offer (the outer query is not one plain table, or is grouped already): ${where}.`,
    );
  }
  if (session && !request.measure && result.loops.length > 0)
    io.note(
      `Not measured: add --measure to run each loop (1 + N queries) and its single query on ${result.database} in a read-only transaction.`,
    );

  if (request.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else if (request.markdown) io.out(loopsMarkdown(result, texts));
  else io.out(formatLoops(result, texts, io.colours));
  if (request.apply) {
    const byFile = new Map<string, number>();
    for (const r of result.loops) if (r.applied) byFile.set(r.path, (byFile.get(r.path) ?? 0) + 1);
    const lines = [...byFile].map(
      ([path, n]) => `Wrote ${path}: ${n} loop${n === 1 ? '' : 's'} replaced by a single query.`,
    );
    for (const [path, n] of ormWritten)
      lines.push(`Wrote ${path}: ${n} ORM loop${n === 1 ? '' : 's'} batched (one query before the loop).`);
    const ormNoEdit = result.ormLoops.filter((r) => r.advice.edits.length === 0).length;
    if (ormNoEdit > 0)
      lines.push(
        `Not changed: ${ormNoEdit} ORM loop(s) whose every effect the batched form does not keep (see why above).`,
      );
    const waiting = result.loops.filter((r) => r.applied === false).length;
    if (waiting > 0)
      lines.push(
        `Not applied: ${waiting} loop(s) over the same rows as a loop already replaced (one outer query, one change).`,
      );
    const noEdit = result.loops.filter((r) => r.advice.edits.length === 0).length;
    if (noEdit > 0)
      lines.push(
        `Not changed: ${noEdit} loop(s) whose effect the single query does not reproduce (see "No code change" above).`,
      );
    io.out(lines.length > 0 ? `${lines.join('\n')}\n` : 'Nothing to write.\n');
  }
  const fails =
    request.failOn !== undefined &&
    result.loops.length + result.ormLoops.length > 0 &&
    severityOrder[loopSeverity] >= severityOrder[request.failOn];
  return fails ? exitCodes.failOn : exitCodes.ok;
}
