/**
 * Explain and Optimize one statement from the command line: pick the database (server from --url or PG*
 * variables, else the embedded one with --schema files or the demo dataset), run, and always close.
 */
import type { DatabaseSession } from '../core/db/session';
import { openSession } from '../core/db/openSession';
import type { SessionTarget } from '../core/db/openSession';
import { dashboardDemoFiles } from '../core/demo/dashboardDemo';
import { explainAndOptimize } from '../core/pipeline/explainAndOptimize';
import { rewriteNamedParameters } from '../core/sql/namedParameters';
import { loadParser } from '../core/sql/parser';
import { checkSyntax } from '../core/sql/splitStatements';
import { TunerError } from '../core/errors';
import type { TuningResult } from '../core/pipeline/tuningResult';
import type { DatabaseOptions, SqlSource } from './args';
import { embeddedDataOptions, withServerStats } from './embeddedData';
import { chooseStatement, resolveSchemaFiles } from './inputs';
import type { ErrorContext } from './reportError';
import type { CommandIo } from './io';

/** PG* variables that name a server; PGUSER/PGPASSWORD alone are often set globally and do not. */
const serverVariables = ['PGHOST', 'PGHOSTADDR', 'PGDATABASE', 'PGSERVICE'];

export function sessionTarget(db: DatabaseOptions, env: NodeJS.ProcessEnv): { target: SessionTarget; demo: boolean } {
  if (db.url !== undefined) return { target: { kind: 'server', connectionString: db.url }, demo: false };
  if (!db.embedded && serverVariables.some((v) => env[v])) return { target: { kind: 'server' }, demo: false };
  if (db.schema.length > 0) {
    const files = resolveSchemaFiles(db.schema);
    return { target: { kind: 'embedded', files, ...embeddedDataOptions(db, 'auto') }, demo: false };
  }
  const [schema, ...data] = dashboardDemoFiles();
  return { target: { kind: 'embedded', files: [schema], seedFiles: data }, demo: true };
}

/** The statement a command works on, with `:name` placeholders made $n, and where it is to run. */
export interface PreparedStatement {
  sql: string;
  target: SessionTarget;
}

/**
 * Picks and checks the statement and the database; `errorContext` is filled as soon as the statement is
 * known so that a failure can point into the user's SQL.
 */
export async function prepareStatement(
  source: SqlSource,
  db: DatabaseOptions,
  io: CommandIo,
  errorContext: ErrorContext,
): Promise<PreparedStatement> {
  const statement = chooseStatement(source, db.statement);
  errorContext.statement = statement;
  // `:name` placeholders (ORMs, drivers) become $n so PostgreSQL can parse them; --param fills them in order.
  const rewrite = rewriteNamedParameters(statement.text);
  if (rewrite.names.length > 0) errorContext.toWritten = (offset) => rewrite.toOriginal(offset);
  // A typo is reported before connecting or loading the embedded database, which takes seconds.
  await loadParser();
  const syntax = checkSyntax(rewrite.text);
  if (syntax) throw new TunerError('syntax-error', syntax.message, { offset: syntax.offset });
  const chosen = sessionTarget(db, io.env);
  const { demo } = chosen;
  const target = await withServerStats(chosen.target, db);
  if (demo) io.note('No --url or --schema given: using the embedded demo dataset (users, orders).');
  else if (target.kind === 'embedded')
    io.note(
      `Loading ${target.files.length} schema file(s) into the embedded database${target.generateData === 'auto' ? ' and generating rows for its empty tables' : ''}…`,
    );
  return { sql: rewrite.text, target };
}

/** Opens the session, runs `work` on it, and always closes it. */
export async function withSession<T>(
  target: SessionTarget,
  work: (session: DatabaseSession) => Promise<T>,
): Promise<T> {
  let session: DatabaseSession | undefined;
  try {
    session = await openSession(target);
    return await work(session);
  } finally {
    await session?.close();
  }
}

/** Explain and Optimize: the statement from the command line on the database it names. */
export async function runStatement(
  source: SqlSource,
  db: DatabaseOptions,
  io: CommandIo,
  errorContext: ErrorContext,
): Promise<TuningResult> {
  const { sql, target } = await prepareStatement(source, db, io, errorContext);
  return withSession(target, async (session) => {
    const result = await explainAndOptimize(session, sql, {
      analyze: db.analyze && !db.genericPlan,
      params: db.params.length > 0 ? db.params : undefined,
      genericPlan: db.genericPlan,
      statementTimeoutMs: db.timeoutMs,
      signal: io.signal,
    });
    // The session records the scans this EXPLAIN ANALYZE made (ownScans.ts), for `pg-tuner health`.
    return result;
  });
}
