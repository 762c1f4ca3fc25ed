/**
 * `pg-tuner advise --workload`: one index set for many statements — the .sql files given, or pg_stat_statements'
 * top statements by total time — on --url or the embedded default. Same building rules as `advise`: real indexes
 * only in rolled-back transactions, on the embedded database or a server marked with --allow-what-if.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { adviseWorkload, type WorkloadAdvice, type WorkloadIndex } from '../../core/advice/index/adviseWorkload';
import {
  entriesFromFiles,
  entriesFromStatStatements,
  type StatStatementsOptions,
  type WorkloadEntry,
} from '../../core/advice/index/workloadSources';
import { TunerError } from '../../core/errors';
import {
  describeMeasurement,
  describeOrigin,
  describeServed,
  describeTotals,
  describeWriteCost,
  oneLineSql,
  renderWorkloadAdviceMarkdown,
} from '../../core/report/workloadAdviceReport';
import { loadParser } from '../../core/sql/parser';
import { formatBytes, formatCount } from '../../core/text/formatNumbers';
import {
  findStatementSources,
  indexStatementSources,
  sourceWithValues,
  type WorkspaceFile,
} from '../../core/workload/statementSources';
import type { CliRequest } from '../args';
import type { Colours } from '../colours';
import { exitCodes } from '../exitCodes';
import { indent } from '../indent';
import type { CommandIo } from '../io';
import { sessionTarget, withSession } from '../runStatement';

function walk(dir: string, keep: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, keep));
    else if (entry.isFile() && keep(path)) out.push(path);
  }
  return out;
}

/** The files of `paths` (a file as given, a folder's matching files recursively), relative to the working directory. */
function readFiles(paths: string[], keep: (path: string) => boolean, what: string): WorkspaceFile[] {
  const cwd = process.cwd();
  const found: string[] = [];
  for (const p of paths) {
    const full = resolve(cwd, p);
    if (!existsSync(full)) throw new TunerError('bad-input', `${what} ${p} does not exist.`);
    if (statSync(full).isDirectory()) found.push(...walk(full, keep));
    else found.push(full);
  }
  if (found.length === 0) throw new TunerError('bad-input', `No ${what.toLowerCase()} found in ${paths.join(', ')}.`);
  return [...new Set(found)].map((f) => ({ path: relative(cwd, f) || f, text: readFileSync(f, 'utf8') }));
}

/** Where pg_stat_statements shows `$n`: a copy with values from the --values-from files, matched by fingerprint. */
function valuesLookup(paths: string[]): StatStatementsOptions['valuesFor'] {
  if (paths.length === 0) return undefined;
  const files = readFiles(paths, (p) => /\.(sql|[cm]?[jt]s|tsx|jsx)$/.test(p) && !p.endsWith('.d.ts'), 'Values file');
  const index = indexStatementSources(files);
  return (statement) => {
    const source = sourceWithValues(findStatementSources(statement, index));
    return source && { sql: source.sql, where: `${source.path}:${source.line + 1}` };
  };
}

function indexText(x: WorkloadIndex, n: number, sqlOf: (id: string) => string, c: Colours): string {
  const label = x.label === 'measured' ? c.green('[measured]') : c.yellow('[estimated only]');
  const size = x.sizeBytes !== undefined ? ` ${formatBytes(x.sizeBytes)}` : '';
  const body: string[] = [c.cyan(x.createSql), 'Serves:'];
  if (x.serves.length === 0) body.push('  none of the statements timed uses it alone (kept for the set)');
  for (const s of x.serves)
    body.push(`  ${s.statementId} ${oneLineSql(sqlOf(s.statementId), 70)}: ${describeServed(s)}`);
  body.push('Cost on writes:', ...describeWriteCost(x).map((l) => `  ${l}`));
  if (x.makesRedundant.length > 0) {
    body.push('Makes redundant (existing; drop once the new index is in place, if you agree):');
    for (const r of x.makesRedundant)
      body.push(
        `  ${r.name} (${formatBytes(r.sizeBytes)}${r.scans !== undefined ? `, ${formatCount(r.scans)} scans` : ''}): ${r.reason} — ${r.dropSql}`,
      );
  }
  body.push(`Rollback: ${x.rollbackSql}`);
  return `${c.bold(`${n}. ${x.candidate.name}`)} on ${x.candidate.table} ${label}${size}\n${indent(body.join('\n'))}`;
}

export function formatWorkloadAdvice(advice: WorkloadAdvice, c: Colours): string {
  const sqlOf = (id: string): string => advice.statements.find((s) => s.id === id)?.sql ?? '';
  const out: string[] = [`Measurement: ${describeMeasurement(advice)}`];
  const totals = describeTotals(advice);
  if (totals) out.push(`Workload: ${totals}`);
  for (const n of advice.notes) out.push(`Note: ${n}`);
  out.push('');
  if (advice.indexes.length === 0) out.push('No index to suggest for this workload.', '');
  advice.indexes.forEach((x, i) => out.push(indexText(x, i + 1, sqlOf, c), ''));
  for (const s of advice.slower)
    out.push(
      c.yellow(
        `Slower with the set: ${s.id} ${s.noneMs.toFixed(1)} → ${s.keptMs.toFixed(1)} ms (${s.indexes.join(', ')})`,
      ),
    );
  for (const d of advice.dropped) out.push(c.dim(`Not kept: ${d.name}: ${d.reason}`));
  out.push('', 'Statements:');
  for (const s of advice.statements) {
    const times =
      s.noneMs !== undefined && s.keptMs !== undefined ? ` ${s.noneMs.toFixed(2)} → ${s.keptMs.toFixed(2)} ms` : '';
    out.push(
      indent(
        `${s.id} [${s.status}]${times} ${oneLineSql(s.sql, 70)} (${describeOrigin(s)})${s.reason ? `\n  ${c.dim(s.reason)}` : ''}`,
      ),
    );
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

export async function adviseWorkloadCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const workload = request.workload;
  if (!workload) throw new Error('advise --workload without a workload');
  const db = request.database;
  await loadParser();
  const { target, demo } = sessionTarget(db, io.env);
  const fromFiles = workload.paths.length > 0;
  if (!fromFiles && target.kind !== 'server')
    throw new TunerError(
      'bad-input',
      'advise --workload without files reads pg_stat_statements: give a server (--url or PG* variables), or the .sql files of the workload.',
    );
  const files = fromFiles ? readFiles(workload.paths, (p) => p.endsWith('.sql'), 'Workload file') : [];
  const valuesFor = fromFiles ? undefined : valuesLookup(workload.valuesFrom);
  if (demo) io.note('No --url or --schema given: using the embedded demo dataset (users, orders).');
  if (target.kind === 'server' && !request.allowWhatIf)
    io.note(
      'Estimates only: pass --allow-what-if to build the indexes in rolled-back transactions and time the workload and its writes (never on production).',
    );
  const advice = await withSession(target, async (session) => {
    let entries: WorkloadEntry[];
    if (fromFiles) entries = entriesFromFiles(files);
    else {
      const found = await entriesFromStatStatements(session, { top: workload.top, valuesFor });
      if (found.status !== 'ok') {
        throw new TunerError(
          'bad-input',
          [
            'pg_stat_statements cannot be read:',
            ...found.notes.map((n) => n.message),
            ...found.notes.flatMap((n) => n.steps),
          ].join('\n'),
        );
      }
      entries = found.entries;
      io.note(
        `Workload: the top ${found.topCount} of ${found.statementCount} statements by total time in ${found.database} (pg_stat_statements), and ${entries.length - found.topCount} write(s) further down for the write cost.`,
      );
    }
    return adviseWorkload(session, entries, {
      allowMeasuredWhatIf: request.allowWhatIf === true,
      statementTimeoutMs: db.timeoutMs,
      signal: io.signal,
      onProgress: (message) => io.note(message),
    });
  });
  if (request.json) io.out(`${JSON.stringify(advice, null, 2)}\n`);
  else if (request.markdown || request.out) {
    const md = renderWorkloadAdviceMarkdown(advice, { title: request.title });
    if (request.out) {
      writeFileSync(request.out, md);
      io.note(`Workload index report written to ${request.out}`);
    } else io.out(md);
  } else io.out(formatWorkloadAdvice(advice, io.colours));
  return exitCodes.ok;
}
