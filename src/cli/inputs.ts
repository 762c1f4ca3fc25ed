/**
 * Reading what the user points at: SQL inline or from a file (one statement picked from several), saved
 * plans (`-` = stdin), and the schema files for the embedded database (file, directory or glob).
 */
import { closeSync, openSync, readSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { TunerError } from '../core/errors';
import { splitStatements } from '../core/sql/splitStatements';
import type { SqlSource } from './args';
import { UsageError } from './args';

/** A statement with where it came from, so errors can point into the file the user has open. */
export interface ChosenStatement {
  text: string;
  /** File path, or undefined for inline SQL. */
  path?: string;
  /** The whole text the statement was taken from, and its start in it. */
  sourceText: string;
  startInSource: number;
}

/**
 * The most a saved plan or SQL file may hold: a 50 MB plan is read whole, but `/dev/zero` or a log piped in by
 * mistake must not grow until the system kills the process (it did, at 14.5 GB).
 */
export const maxInputBytes = 256 * 1024 * 1024;

/** Blocks this thread for `ms` (a non-blocking stdin answers EAGAIN until data comes). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The bytes of `path` (`-`: standard input), refused past `limit` and when they are binary (a NUL byte). */
export function readBoundedText(path: string, limit = maxInputBytes): string {
  const name = path === '-' ? 'standard input' : path;
  const chunks: Buffer[] = [];
  let total = 0;
  let fd: number | undefined;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        pause(10);
        continue;
      }
      if (n === 0) break;
      if (total === 0 && !utf16Bom(chunk.subarray(0, n)) && chunk.subarray(0, n).includes(0))
        throw new TunerError('bad-input', `${name} holds binary data (a NUL byte), not text: no plan or SQL to read.`);
      total += n;
      if (total > limit)
        throw new TunerError(
          'bad-input',
          `${name} is larger than ${Math.round(limit / 1024 / 1024)} MB: more than any saved plan or SQL file pg-tuner reads, so it stopped there.`,
        );
      chunks.push(chunk.subarray(0, n));
    }
  } catch (err) {
    if (err instanceof TunerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new TunerError('bad-input', `Cannot read ${name}: ${why}.`, { cause: err });
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
  const bytes = Buffer.concat(chunks, total);
  // Windows PowerShell 5 saves `>` redirections as UTF-16 with a byte order mark.
  const bom = utf16Bom(bytes);
  if (bom === 'le') return bytes.subarray(2).toString('utf16le');
  if (bom === 'be') return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return bytes.toString('utf8');
}

function utf16Bom(bytes: Buffer): 'le' | 'be' | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff && bytes.length % 2 === 0) return 'be';
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

/** Reads the SQL and picks one statement: the only one, or the `statement`-th (1-based). */
export function chooseStatement(source: SqlSource, statement: number | undefined): ChosenStatement {
  const path = source.kind === 'file' ? source.path : undefined;
  const text = source.kind === 'file' ? readBoundedText(source.path) : source.text;
  const name = path ?? 'the SQL text';
  const statements = splitStatements(text);
  if (statements.length === 0) throw new TunerError('bad-input', `${name} is empty: there is no SQL statement in it.`);
  if (statement !== undefined) {
    const chosen = statements[statement - 1];
    if (!chosen)
      throw new UsageError(`${name} has ${statements.length} statement(s); --statement ${statement} is out of range.`);
    return { text: chosen.text, path, sourceText: text, startInSource: chosen.start };
  }
  if (statements.length > 1) {
    const list = statements.map((s, i) => `  ${i + 1}: ${firstLine(s.text)}`).join('\n');
    throw new UsageError(`${name} holds ${statements.length} statements; pick one with --statement <n>:\n${list}`);
  }
  return { text: statements[0].text, path, sourceText: text, startInSource: statements[0].start };
}

/** A saved plan's text; empty input is refused here with the file's name. */
export function readPlanFile(path: string): string {
  const text = readBoundedText(path);
  if (text.trim() === '')
    throw new TunerError('bad-input', `${path === '-' ? 'Standard input' : path} is empty: there is no plan in it.`);
  return text;
}

export function readSqlFile(path: string): string {
  return readBoundedText(path);
}

/** `dir/**\/*.sql` → a RegExp over `/`-separated relative paths. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * The files a glob (`db/**\/*.sql`) matches: `list` gives the files below the folder before its first wildcard
 * (with its own rules for what to skip), the rest of the pattern picks among them. None when that folder does
 * not exist.
 */
export function globFiles(pattern: string, cwd: string, list: (dir: string) => string[]): string[] {
  const parts = pattern.split(/[\\/]/);
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  const base = resolve(cwd, parts.slice(0, firstWild).join('/') || '.');
  const matcher = globToRegExp(parts.slice(firstWild).join('/'));
  let isDirectory = false;
  try {
    isDirectory = statSync(base).isDirectory();
  } catch {
    // A glob under a folder that does not exist matches nothing; the caller says so.
  }
  return isDirectory ? list(base).filter((p) => matcher.test(relative(base, p).split(sep).join('/'))) : [];
}

/**
 * Schema files for the embedded database: a file as given, a directory's .sql files (recursively), or a
 * glob (`migrations/*.sql`, `db/**\/*.sql`). Paths come back relative to the working directory, sorted,
 * so numbered migrations load in order.
 */
export function resolveSchemaFiles(patterns: string[], cwd = process.cwd()): Array<{ path: string; text: string }> {
  const paths = new Set<string>();
  for (const pattern of patterns) {
    const found: string[] = [];
    if (!/[*?]/.test(pattern)) {
      const full = resolve(cwd, pattern);
      if (!existsSync(full)) throw new TunerError('bad-input', `Schema path ${pattern} does not exist.`);
      if (statSync(full).isDirectory()) found.push(...walk(full).filter((p) => p.endsWith('.sql')));
      else found.push(full);
    } else {
      found.push(...globFiles(pattern, cwd, walk));
    }
    if (found.length === 0) throw new TunerError('bad-input', `No schema files match ${pattern}.`);
    for (const p of found) paths.add(p);
  }
  return [...paths].sort().map((p) => ({ path: relative(cwd, p) || p, text: readBoundedText(p) }));
}
