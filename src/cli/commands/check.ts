/**
 * `pg-tuner check <files|dirs|globs>`: every statement of the .sql files and of the SQL strings in .ts/.js
 * files, checked for a pull request: static SQL rules, EXPLAIN estimate-only on the embedded database loaded
 * with the migrations (--schema) or on a server (--url, a CI service database), plan regressions against
 * --baseline plans. Findings as text, --markdown (a PR comment), --json, and --sarif for code scanning.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { BaselineEntry } from '../../core/check/baseline';
import { baselineEntryFor, baselineFileName, parseBaseline, serialiseBaseline } from '../../core/check/baseline';
import { checkMarkdown } from '../../core/check/checkMarkdown';
import type { CheckResult } from '../../core/check/checkResult';
import type { SourceFile } from '../../core/check/collectStatements';
import { failingFindings } from '../../core/check/failOn';
import { runCheck, statementsWithoutBaseline } from '../../core/check/runCheck';
import { checkSarif } from '../../core/check/sarif';
import type { SessionTarget } from '../../core/db/openSession';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import type { CliRequest } from '../args';
import { exitCodes } from '../exitCodes';
import { globFiles, resolveSchemaFiles } from '../inputs';
import { describeEmbeddedData, embeddedDataOf } from '../../core/db/generateData/embeddedDataNote';
import { embeddedDataOptions, withServerStats } from '../embeddedData';
import type { CommandIo } from '../io';
import { withSession } from '../runStatement';

/** The version written into SARIF's tool.driver. */
const toolVersion = '0.1.0';
const checkedExtensions = new Set(['.sql', '.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
/** Dependencies and build output hold no statements worth reviewing. */
const skippedDirectories = new Set(['node_modules', 'dist', 'build', 'out', 'coverage']);
/** PG* variables that name a server (as for explain). */
const serverVariables = ['PGHOST', 'PGHOSTADDR', 'PGDATABASE', 'PGSERVICE'];

function isChecked(path: string): boolean {
  return checkedExtensions.has(extname(path).toLowerCase()) && !/\.d\.[cm]?ts$/.test(path);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || skippedDirectories.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile() && isChecked(entry.name)) out.push(path);
  }
  return out;
}

/** The files to check, absolute, each once, in the order given; the schema files are not among them. */
export function resolveCheckFiles(patterns: string[], exclude: ReadonlySet<string>, cwd = process.cwd()): string[] {
  const paths = new Set<string>();
  for (const pattern of patterns) {
    let found: string[];
    if (/[*?]/.test(pattern)) found = globFiles(pattern, cwd, walk);
    else {
      const full = resolve(cwd, pattern);
      if (!existsSync(full)) throw new TunerError('bad-input', `${pattern} does not exist.`);
      found = statSync(full).isDirectory() ? walk(full) : [full];
    }
    if (found.length === 0) throw new TunerError('bad-input', `No .sql, .ts or .js files match ${pattern}.`);
    for (const p of found) if (!exclude.has(p)) paths.add(p);
  }
  return [...paths];
}

function relativePath(path: string, cwd: string): string {
  return (relative(cwd, path) || path).split(sep).join('/');
}

function readBaselines(dir: string): Map<string, BaselineEntry> {
  const entries = new Map<string, BaselineEntry>();
  if (!existsSync(dir)) return entries;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const entry = parseBaseline(readFileSync(join(dir, name), 'utf8'));
    if (entry) entries.set(entry.fingerprint, entry);
  }
  return entries;
}

function target(
  request: CliRequest,
  io: CommandIo,
  schemaFiles: Array<{ path: string; text: string }>,
): SessionTarget | undefined {
  const db = request.database;
  if (db.url !== undefined) return { kind: 'server', connectionString: db.url };
  if (!db.embedded && serverVariables.some((v) => io.env[v])) return { kind: 'server' };
  // Generated rows only when asked: a check's baselines should not move because the default changed.
  if (schemaFiles.length > 0) return { kind: 'embedded', files: schemaFiles, ...embeddedDataOptions(db, 'off') };
  return undefined;
}

function textReport(result: CheckResult): string {
  const lines = result.findings.map(
    (f) =>
      `${f.location.path}:${f.location.startLine}:${f.location.startColumn}  ${f.severity}  ${f.ruleId}  ${f.message}`,
  );
  const explained = result.statements.filter((s) => s.explained).length;
  lines.push(
    `${result.statements.length} statement(s) in ${result.files.length} file(s), ${explained} explained, ${result.findings.length} finding(s).`,
  );
  return `${lines.join('\n')}\n`;
}

/** The JSON output: the result without the raw plans (they go to the baseline files). */
function resultJson(result: CheckResult): string {
  return `${JSON.stringify({ ...result, statements: result.statements.map(({ rawPlan: _rawPlan, ...s }) => s) }, null, 2)}\n`;
}

export async function checkCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const options = request.check;
  if (!options || !request.sourcePaths) throw new Error('check without its options');
  const cwd = process.cwd();
  // Schema files are never checked themselves (their DDL has no plan), also when --url is where statements run.
  const schemaFiles = request.database.schema.length > 0 ? resolveSchemaFiles(request.database.schema, cwd) : [];
  const exclude = new Set(schemaFiles.map((f) => resolve(cwd, f.path)));
  const files: SourceFile[] = resolveCheckFiles(request.sourcePaths, exclude, cwd).map((p) => ({
    path: relativePath(p, cwd),
    text: readFileSync(p, 'utf8'),
  }));
  const baselineDir = request.baselinePath;
  const baselines = baselineDir !== undefined ? readBaselines(baselineDir) : undefined;
  const chosen = target(request, io, schemaFiles);
  const where = chosen && (await withServerStats(chosen, request.database));

  let result: CheckResult;
  const check = (session?: DatabaseSession): Promise<CheckResult> =>
    runCheck(files, {
      session,
      baselines,
      thresholds: options.thresholds,
      statementTimeoutMs: request.database.timeoutMs,
      signal: io.signal,
    });
  if (where) {
    if (where.kind === 'embedded') io.note(`Loading ${schemaFiles.length} schema file(s) into the embedded database…`);
    result = await withSession(where, async (session) => {
      // Generated rows or empty tables: said once for the whole check (plans of empty tables say little).
      const data = embeddedDataOf(session);
      const dataLine = data && describeEmbeddedData(data);
      if (dataLine) io.note(dataLine);
      return {
        ...(await check(session)),
        database: { kind: session.kind === 'embedded' ? 'embedded' : 'server', label: session.label },
      };
    });
  } else {
    io.note('No --schema, --url or PG* variables: static checks only (no statement is explained).');
    result = await check();
  }

  if (baselineDir !== undefined && options.updateBaseline) {
    const missing = statementsWithoutBaseline(result);
    if (missing.length > 0) mkdirSync(baselineDir, { recursive: true });
    const written = new Set<string>();
    for (const statement of missing) {
      const entry = baselineEntryFor(statement);
      if (!entry || written.has(entry.fingerprint)) continue;
      writeFileSync(join(baselineDir, baselineFileName(entry.fingerprint)), serialiseBaseline(entry));
      written.add(entry.fingerprint);
    }
    io.note(`Wrote ${written.size} baseline plan(s) to ${baselineDir}.`);
  }
  if (options.sarifPath !== undefined) {
    writeFileSync(options.sarifPath, `${JSON.stringify(checkSarif(result, toolVersion), null, 2)}\n`);
    io.note(`SARIF written to ${options.sarifPath}.`);
  }
  if (request.out !== undefined) writeFileSync(request.out, checkMarkdown(result, request.title));
  if (request.json) io.out(resultJson(result));
  else if (request.markdown) io.out(checkMarkdown(result, request.title));
  else io.out(textReport(result));

  const failing = failingFindings(result, options.failOn);
  if (failing.length === 0) return exitCodes.ok;
  for (const f of failing) {
    const statement = result.statements[f.statement];
    const sql = statement ? statement.sql.replace(/\s+/g, ' ').trim() : '';
    io.note(
      `--fail-on: ${f.ruleId} at ${f.location.path}:${f.location.startLine}:${f.location.startColumn} (${sql.length > 80 ? `${sql.slice(0, 77)}…` : sql}): ${f.message}`,
    );
  }
  return exitCodes.failOn;
}
