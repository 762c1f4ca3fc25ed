/**
 * Command-line arguments: one table of options (node:util parseArgs), checked per subcommand, turned into
 * a typed `CliRequest`. Anything wrong here is a usage error (exit 64 with the help text).
 */
import { parseArgs } from 'node:util';
import type { Severity } from '../core/insights/insight';
import { topQueryOrders, type TopQueryOrder } from '../core/workload/topQueries';
import { parseCheckFailOn, type CheckFailOn } from '../core/check/failOn';
import type { RegressionThresholds } from '../core/check/regressions';

export type CommandName =
  | 'advise'
  | 'rewrite'
  | 'explain'
  | 'plan'
  | 'report'
  | 'demo'
  | 'top'
  | 'health'
  | 'compare'
  | 'loops'
  | 'mcp'
  | 'check'
  | 'stats';

/** Where the statement comes from: inline text or a file (`-` = stdin). */
export type SqlSource = { kind: 'inline'; text: string } | { kind: 'file'; path: string };

export interface DatabaseOptions {
  url?: string;
  /** Files, directories or globs of .sql loaded into the embedded database (no --url). */
  schema: string[];
  analyze: boolean;
  params: string[];
  genericPlan: boolean;
  timeoutMs?: number;
  /** 1-based statement number in a file with several statements. */
  statement?: number;
  /** --embedded: ignore PG* variables and use the embedded database. */
  embedded: boolean;
  /** --generate-data[=scale] / --no-generate-data: rows for the embedded database's empty tables (default auto). */
  generateData?: 'off' | 'auto' | 'on';
  /** Rows of the largest generated table. */
  scale?: number;
  /** --stats-file: pg_stats of a server (pg-tuner stats export) that shape the generated rows. */
  statsFile?: string;
  /** --stats-from: a server whose pg_stats shape the generated rows, read at start (nothing runs there). */
  statsFrom?: string;
}

export interface CliRequest {
  /** advise: the server is not production; candidate indexes may be built in rolled-back transactions. */
  allowWhatIf?: boolean;
  /** advise: judge indexes for the statement as written only, not also for its proven rewrites. */
  asWritten?: boolean;
  /**
   * advise, rewrite --with-index, report --advise --sample-copy[=fraction]: build and time the candidates on sample
   * copies of the tables (temporary tables).
   */
  sampleCopy?: { fraction?: number };
  /**
   * advise --workload: one index set for many statements, from the .sql files of `paths`, or (no paths) from
   * pg_stat_statements' `top` statements by total time, with values from the statements in `valuesFrom`.
   */
  workload?: { paths: string[]; top: number; valuesFrom: string[] };
  command: CommandName;
  /** stats export: pg_stats of the --url server as JSON; --no-samples drops most common values and histograms. */
  statsExport?: { withoutSamples: boolean };
  /** explain/report: the statement; absent for plan/demo. */
  sql?: SqlSource;
  /** plan, or report --plan: a saved plan file (`-` = stdin). */
  planPath?: string;
  /** report --baseline: a saved plan to compare against (before). */
  baselinePath?: string;
  /** plan/report: a file holding the SQL of a saved plan, for mapping and SQL rules. */
  sqlFile?: string;
  database: DatabaseOptions;
  json: boolean;
  failOn?: Severity;
  out?: string;
  title?: string;
  colour: boolean;
  /** top: what the statements are ordered by (default total). */
  topOrder?: TopQueryOrder;
  /** top: how many statements (default 20). */
  limit?: number;
  /** compare: the two saved plans, before then after. */
  comparePaths?: [string, string];
  /** compare --markdown: the comparison as Markdown. */
  markdown?: boolean;
  /** plan --obfuscate: print the plan with names and literals replaced, for sharing. */
  obfuscate?: boolean;
  /** rewrite --with-index: also measure the rewrite with the index advisor's index for it. */
  withIndex?: boolean;
  /** report --advise: run both advisors and add their rewrites and index suggestions to the report. */
  advise?: boolean;
  /** loops: the .ts/.js files, directories or globs to scan. */
  sourcePaths?: string[];
  /** loops --measure: run each loop's 1 + N queries and the single query on the server (read-only). */
  measure?: boolean;
  /** loops --max-parents: most loop iterations run when measuring (the rest is extrapolated). */
  maxParents?: number;
  /** loops --apply: write the code edits into the files. */
  apply?: boolean;
  /** mcp: the named connections and what the server may do (--allow-what-if is `allowWhatIf`). */
  mcp?: { connections: string[]; configPath?: string; allowAnalyzeWrites: boolean };
  /** check: the files/dirs are `sourcePaths`, the baseline folder `baselinePath`. */
  check?: { sarifPath?: string; updateBaseline: boolean; failOn: CheckFailOn[]; thresholds: RegressionThresholds };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const helpText = `pg-tuner: explain a PostgreSQL query, find where the time goes and what to change.

Usage:
  pg-tuner explain "SELECT …" | --file q.sql [options]   Explain and Optimize one statement
  pg-tuner advise "SELECT …" | --file q.sql [--allow-what-if]   Which index would make it fast, verified before it is offered
  pg-tuner advise --workload [queries/] [--top N] [--allow-what-if] [--json|--markdown]   One index set for a workload
  pg-tuner rewrite "SELECT …" | --file q.sql [--with-index] [--json|--markdown]   Faster forms of the statement, proven to return the same rows, measured
  pg-tuner plan <saved-plan.json|txt|->        [options]   Analyse a saved EXPLAIN output (no database)
  pg-tuner report (explain inputs | --plan <file>) [--advise [--allow-what-if]] [--out report.md]   Markdown report
  pg-tuner compare <before-plan> <after-plan> [--json|--markdown]   Match the nodes of two saved plans and show what changed
  pg-tuner demo                                             Load the slow-dashboard demo into embedded PostgreSQL and explain it
  pg-tuner top --url <postgres://…> [--by total|mean|calls|rows|reads|temp] [--limit N]   The statements worth tuning (pg_stat_statements)
  pg-tuner health --url <postgres://…> [--out report.md]    Schema and workload health checks with a score (read-only)
  pg-tuner loops <file|dir|glob>… [--measure] [--apply] [--json|--markdown]   N+1 query loops in .ts/.js code and the one json_agg query for each
  pg-tuner check <file|dir|glob>… [--schema migrations/ | --url …] [--sarif out.sarif] [--baseline plans/]   Check every statement (.sql, SQL in .ts/.js) for a pull request
  pg-tuner stats export --url <postgres://…> [--no-samples] > .pgtuner/stats.json   A server's pg_stats, to shape the embedded database's generated rows
  pg-tuner mcp [--connection name=postgres://…]… [--config connections.json] [--schema …]   MCP server on stdio for AI agents (tools take a connection name)

Database (explain, report):
  --url <postgres://…>     A PostgreSQL server (PGHOST/PGDATABASE … in the environment also select one).
                           ?sslmode= as libpq's (default prefer: TLS when offered); the password from the
                           URL, PGPASSWORD or ~/.pgpass.
                           Without either: the embedded PostgreSQL (PGlite), loaded with --schema files,
                           or with the demo dataset when no --schema is given.
  --schema <file|dir|glob> SQL files to load into the embedded database (repeatable).
  --embedded               Use the embedded database even when PG* variables are set.
  --generate-data[=<rows>] Fill the embedded database's empty tables with generated rows (<rows> in the
                           largest table, default 20000; 50k, 1m also read). The default for explain, report,
                           advise and rewrite when the --schema files leave tables empty; check only with it.
  --no-generate-data       Leave the tables the --schema files do not fill empty.
  --stats-file <file>      Shape the generated rows by a server's statistics (pg-tuner stats export): row
                           counts, NULLs, distinct values, most common values, histograms, correlation.
                           Without it, .pgtuner/stats.json is used when it exists.
  --stats-from <url>       The same read straight from a server's pg_stats (catalog reads only).
  --no-analyze             Plan only (EXPLAIN without ANALYZE): the statement does not run.
  --param <value>          Value for $1, $2 … in order (repeatable).
  --generic-plan           EXPLAIN (GENERIC_PLAN) for statements with $n and no values (PostgreSQL 16+).
  --timeout <ms>           statement_timeout for the explained statement (default 30000); the client
                           waits 3 s longer for an answer, then closes the connection.
  --statement <n>          Which statement of a file with several (1-based).

Index advice (advise):
  --allow-what-if          The --url server is not production: build candidate indexes in rolled-back
                           transactions and time them (always done on the embedded database; never on a
                           read-only connection). Without it, server figures are estimates only.
  --sample-copy[=<share>]  Build and time the candidates on a sample copy of the tables (temporary tables of
                           the connection, VACUUM ANALYZEd; default 0.1 = 10 % of each table over 10,000 rows,
                           the children of sampled parents kept together): no lock on your tables beyond
                           reading them. Says how the ratio on the sample carries to the full tables (an
                           estimate). With --allow-what-if on a --url server. Also for rewrite
                           --with-index and report --advise.
  --as-written             Judge indexes for the statement as written only. By default the rewrite advisor's
                           proven rewrites are judged too, and the best form with its index wins.
  --workload [dir|file…]   One index set for a workload: the statements of the .sql files given, or without
                           files pg_stat_statements' top statements by total time (--url). Per index the
                           statements it serves and their gain, its cost on the workload's writes (timed in
                           rolled-back transactions) and the existing indexes it makes redundant.
  --top <n>                --workload from pg_stat_statements: how many statements (default 10).
  --values-from <path>     --workload from pg_stat_statements: .sql/.ts/.js files or folders holding copies of
                           the statements with values, used where pg_stat_statements shows $n (repeatable).
  --markdown, --out <file> --workload: the result as Markdown (to a file with --out).

Report (report):
  --advise                 Also run the rewrite and index advisors (as rewrite and advise do) and add their
                           proven rewrites, index suggestions and, when the index advisor picks a rewrite, the
                           rewrite + index measurement to the report. Not with --plan (it needs the database).
  --allow-what-if          With --advise on a --url server that is not production: build candidate indexes in
                           rolled-back transactions and time them; without it, server index figures are estimates.

Rewrites (rewrite):
  --with-index             Also ask the index advisor (the proven rewrites as alternative forms) and measure
                           original, rewrite, index and both, in rolled-back transactions; on a --url server
                           only with --allow-what-if.

N+1 loops (loops; static without a server, --url or PG* variables add the catalog):
  --measure                Run each loop's 1 + N queries and the single query on the server, in a read-only
                           transaction, and time both (it runs the application's queries: never by default).
  --max-parents <n>        With --measure: run the loop for at most n parent rows and scale its time (default 1000).
  --timeout <ms>           statement_timeout for the measurement (default 60000).
  --apply                  Write the code change into the files (all loops of a file together); not with --json.
  --fail-on warning        Exit 2 when a loop is found (a loop counts as a warning), for CI.

Checks in pull requests (check; estimate only: no statement runs):
  --schema <file|dir|glob> Migrations to load into the embedded database the statements are explained on
                           (without it and without --url/PG* variables, only the static SQL rules run).
  --sarif <file>           Write the findings as SARIF 2.1.0 (for GitHub code scanning).
  --markdown               Print the findings as Markdown (a pull-request comment); --out writes it to a file.
  --baseline <dir>         One saved plan per statement (by fingerprint); plans are compared with it.
  --update-baseline        Write the plan of each statement that has no baseline yet.
  --fail-on <list>         Exit 2 on info|warning|critical findings and/or regression, regression:cost>2x,
                           regression:seq-scan (a large table read by an index before), regression:spill;
                           comma-separated.

MCP server (mcp; read-only by default):
  --connection <name=url>  A server the agent may use, by name (repeatable); --url is named "default", and
                           "embedded" (the --schema files, else the demo dataset) is always there.
  --config <file.json>     Connections from a file: { "connections": { "name": "postgres://…" } }.
  --allow-analyze-writes   Let ANALYZE (and the advisors) run a statement that may write, inside BEGIN … ROLLBACK.
  --allow-what-if          Build candidate indexes in rolled-back transactions on the servers (never production).

Workload (top, health; a server only: --url or PG* variables):
  --by <key>               top: order by total (time, default), mean (time), calls, rows, reads (shared blocks) or temp (blocks written).
  --limit <n>              top: how many statements (default 20).

Output:
  --json                   The machine-readable result (TuningResult; for top and health their own result) instead of text.
  --fail-on <severity>     Exit 2 when an insight of this severity or worse is found (info|warning|critical).
  --sql-file <file>        plan/report: the SQL of a saved plan, for mapping nodes to the query.
  --obfuscate              plan: print the plan with table, column, index and alias names and literals replaced.
  --markdown               compare, rewrite, loops: the result as Markdown (for a pull request).
  --baseline <plan>        report: a saved plan of the query before the change, for a before/after table.
  --out <file>             report, health: write the Markdown to a file instead of stdout.
  --title <text>           report, health: the report's heading.
  --no-color               No colours (also when NO_COLOR is set or the output is not a terminal).
  -h, --help               This help.

Exit codes: 0 done, 1 error, 2 --fail-on threshold reached, 64 usage error.`;

const options = {
  file: { type: 'string', short: 'f' },
  url: { type: 'string' },
  schema: { type: 'string', multiple: true },
  embedded: { type: 'boolean' },
  'no-analyze': { type: 'boolean' },
  param: { type: 'string', multiple: true },
  'generic-plan': { type: 'boolean' },
  timeout: { type: 'string' },
  statement: { type: 'string' },
  json: { type: 'boolean' },
  'fail-on': { type: 'string' },
  'sql-file': { type: 'string' },
  plan: { type: 'string' },
  baseline: { type: 'string' },
  out: { type: 'string', short: 'o' },
  title: { type: 'string' },
  'no-color': { type: 'boolean' },
  by: { type: 'string' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  'allow-what-if': { type: 'boolean' },
  'as-written': { type: 'boolean' },
  obfuscate: { type: 'boolean' },
  markdown: { type: 'boolean' },
  'with-index': { type: 'boolean' },
  advise: { type: 'boolean' },
  measure: { type: 'boolean' },
  'max-parents': { type: 'string' },
  apply: { type: 'boolean' },
  connection: { type: 'string', multiple: true },
  config: { type: 'string' },
  'allow-analyze-writes': { type: 'boolean' },
  sarif: { type: 'string' },
  'update-baseline': { type: 'boolean' },
  'generate-data': { type: 'string' },
  'stats-file': { type: 'string' },
  'stats-from': { type: 'string' },
  'no-samples': { type: 'boolean' },
  workload: { type: 'boolean' },
  top: { type: 'string' },
  'values-from': { type: 'string', multiple: true },
  'sample-copy': { type: 'string' },
} as const;

type OptionName = keyof typeof options;

/** Which options each subcommand accepts; anything else is a usage error rather than silently ignored. */
const allowed: Record<CommandName, OptionName[]> = {
  advise: [
    'file',
    'url',
    'schema',
    'embedded',
    'param',
    'timeout',
    'statement',
    'json',
    'no-color',
    'allow-what-if',
    'as-written',
    'workload',
    'top',
    'values-from',
    'markdown',
    'out',
    'sample-copy',
  ],
  rewrite: [
    'file',
    'url',
    'schema',
    'embedded',
    'param',
    'timeout',
    'statement',
    'json',
    'markdown',
    'no-color',
    'with-index',
    'allow-what-if',
    'sample-copy',
  ],
  explain: [
    'file',
    'url',
    'schema',
    'embedded',
    'no-analyze',
    'param',
    'generic-plan',
    'timeout',
    'statement',
    'json',
    'fail-on',
    'no-color',
  ],
  plan: ['sql-file', 'json', 'fail-on', 'no-color', 'obfuscate'],
  compare: ['json', 'markdown', 'no-color'],
  report: [
    'file',
    'url',
    'schema',
    'embedded',
    'no-analyze',
    'param',
    'generic-plan',
    'timeout',
    'statement',
    'plan',
    'baseline',
    'sql-file',
    'out',
    'title',
    'fail-on',
    'no-color',
    'advise',
    'allow-what-if',
    'sample-copy',
  ],
  demo: ['json', 'fail-on', 'no-color'],
  top: ['url', 'by', 'limit', 'json', 'no-color'],
  health: ['url', 'json', 'out', 'title', 'no-color'],
  loops: ['url', 'measure', 'max-parents', 'timeout', 'apply', 'json', 'markdown', 'fail-on', 'no-color'],
  mcp: ['url', 'connection', 'config', 'schema', 'timeout', 'allow-what-if', 'allow-analyze-writes'],
  stats: ['url', 'no-samples', 'no-color'],
  check: [
    'url',
    'schema',
    'embedded',
    'timeout',
    'json',
    'markdown',
    'fail-on',
    'baseline',
    'update-baseline',
    'sarif',
    'out',
    'title',
    'no-color',
  ],
};

// The embedded database's data options go wherever its --schema does.
for (const command of ['advise', 'rewrite', 'explain', 'report', 'check'] as const)
  allowed[command].push('generate-data', 'stats-file', 'stats-from');

/** `--generate-data` takes an optional value: alone it must not swallow the next argument (the SQL). */
function generateDataFlag(arg: string): string {
  if (arg === '--generate-data') return '--generate-data=on';
  // The same for --sample-copy: alone it means the default share.
  if (arg === '--sample-copy') return '--sample-copy=default';
  if (arg === '--no-generate-data') return '--generate-data=off';
  return arg;
}

/** `on`, `off` or a row count (`50000`, `50k`, `1m`) → the database options. */
function generateDataOptions(
  text: string | undefined,
  statsFile: string | undefined,
): Pick<DatabaseOptions, 'generateData' | 'scale' | 'statsFile'> {
  const out: Pick<DatabaseOptions, 'generateData' | 'scale' | 'statsFile'> = { statsFile };
  if (text === undefined) return out;
  if (text === 'on' || text === 'off') return { ...out, generateData: text };
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text);
  const rows = m ? Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6)) : NaN;
  if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000)
    throw new UsageError(`--generate-data takes a row count from 1 to 10m (e.g. 50000 or 50k), not "${text}".`);
  return { ...out, generateData: 'on', scale: rows };
}

/** `0.1`, `10%`: the share of each large table --sample-copy copies, in (0, 1]; `default`: the advisor's. */
function sampleShare(text: string): number | undefined {
  if (text === 'default') return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text.trim());
  const share = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : NaN;
  if (!(share > 0 && share <= 1))
    throw new UsageError(`--sample-copy takes a share of each table from 0 to 1 (e.g. 0.1 or 10%), not "${text}".`);
  return share;
}

const severities: Severity[] = ['info', 'warning', 'critical'];

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`--${name} needs a positive whole number, not "${text}".`);
  return Number(text);
}

/** True when this is a request for help (exit 0) rather than a mistake. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
}

export interface ColourEnvironment {
  isTty: boolean;
  env: NodeJS.ProcessEnv;
}

/** Parses argv (without node and the script); throws UsageError. */
export function parseCliArgs(argv: string[], colourEnv: ColourEnvironment): CliRequest {
  const [commandText, ...rest] = argv;
  if (!commandText || !(commandText in allowed)) {
    throw new UsageError(commandText ? `Unknown command "${commandText}".` : 'No command given.');
  }
  const command = commandText as CommandName;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: rest.map(generateDataFlag), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  for (const name of Object.keys(values) as OptionName[]) {
    if (!allowed[command].includes(name)) throw new UsageError(`${command} does not take --${name}.`);
  }

  const failOnText = values['fail-on'];
  if (failOnText !== undefined && command !== 'check' && !severities.includes(failOnText as Severity)) {
    throw new UsageError(`--fail-on takes info, warning or critical, not "${failOnText}".`);
  }
  const noColour =
    values['no-color'] === true || (colourEnv.env.NO_COLOR ?? '') !== '' || colourEnv.env.TERM === 'dumb';

  const request: CliRequest = {
    command,
    database: {
      url: values.url,
      schema: values.schema ?? [],
      analyze: values['no-analyze'] !== true,
      params: values.param ?? [],
      genericPlan: values['generic-plan'] === true,
      timeoutMs: positiveInteger('timeout', values.timeout),
      statement: positiveInteger('statement', values.statement),
      embedded: values.embedded === true,
      ...generateDataOptions(values['generate-data'], values['stats-file']),
      statsFrom: values['stats-from'],
    },
    json: values.json === true,
    failOn: command === 'check' ? undefined : (failOnText as Severity | undefined),
    out: values.out,
    title: values.title,
    sqlFile: values['sql-file'],
    baselinePath: values.baseline,
    colour: colourEnv.isTty && !noColour,
    markdown: values.markdown === true,
    obfuscate: values.obfuscate === true,
  };
  if (values.embedded && values.url) throw new UsageError('--embedded and --url exclude each other.');

  switch (command) {
    case 'stats':
      if (positionals[0] !== 'export' || positionals.length > 1)
        throw new UsageError('stats takes one action: pg-tuner stats export --url <postgres://…> [--no-samples].');
      request.statsExport = { withoutSamples: values['no-samples'] === true };
      break;
    case 'advise':
      request.allowWhatIf = values['allow-what-if'] === true;
      if (values.workload) {
        if (values['sample-copy'] !== undefined)
          throw new UsageError('--sample-copy is for one statement, not --workload.');
        request.workload = adviseWorkloadArgs(values, positionals);
        break;
      }
      if (values.top !== undefined || values['values-from'] !== undefined || values.markdown || values.out)
        throw new UsageError('--top, --values-from, --markdown and --out go with --workload for advise.');
      request.sql = sqlSource(values.file, positionals, command);
      request.asWritten = values['as-written'] === true;
      if (values['sample-copy'] !== undefined) request.sampleCopy = { fraction: sampleShare(values['sample-copy']) };
      break;
    case 'explain':
      request.sql = sqlSource(values.file, positionals, command);
      break;
    case 'rewrite':
      request.sql = sqlSource(values.file, positionals, command);
      if (values.json && values.markdown) throw new UsageError('rewrite takes --json or --markdown, not both.');
      request.withIndex = values['with-index'] === true;
      request.allowWhatIf = values['allow-what-if'] === true;
      if (request.allowWhatIf && !request.withIndex)
        throw new UsageError('--allow-what-if goes with --with-index for rewrite.');
      if (values['sample-copy'] !== undefined) {
        if (!request.withIndex) throw new UsageError('--sample-copy goes with --with-index for rewrite.');
        request.sampleCopy = { fraction: sampleShare(values['sample-copy']) };
      }
      break;
    case 'plan':
      if (positionals.length !== 1) throw new UsageError('plan takes one saved plan file (or - for stdin).');
      request.planPath = positionals[0];
      break;
    case 'report':
      if (values.plan !== undefined) {
        if (values.file !== undefined || positionals.length > 0)
          throw new UsageError('report takes either --plan or a statement, not both.');
        request.planPath = values.plan;
      } else {
        request.sql = sqlSource(values.file, positionals, command);
        if (values['sql-file'] !== undefined) throw new UsageError('--sql-file goes with --plan.');
      }
      request.advise = values.advise === true;
      request.allowWhatIf = values['allow-what-if'] === true;
      if (request.advise && request.planPath !== undefined)
        throw new UsageError('--advise runs the statement on a database: give the statement, not --plan.');
      if (request.allowWhatIf && !request.advise)
        throw new UsageError('--allow-what-if goes with --advise for report.');
      if (values['sample-copy'] !== undefined) {
        if (!request.advise) throw new UsageError('--sample-copy goes with --advise for report.');
        request.sampleCopy = { fraction: sampleShare(values['sample-copy']) };
      }
      break;
    case 'compare':
      if (positionals.length !== 2)
        throw new UsageError('compare takes two saved plan files: the plan before, then the plan after.');
      if (values.json && values.markdown) throw new UsageError('compare takes --json or --markdown, not both.');
      request.comparePaths = [positionals[0], positionals[1]];
      break;
    case 'demo':
      if (positionals.length > 0) throw new UsageError('demo takes no arguments.');
      break;
    case 'top': {
      if (positionals.length > 0) throw new UsageError('top takes no arguments; order with --by.');
      const by = values.by ?? 'total';
      if (!topQueryOrders.includes(by as TopQueryOrder))
        throw new UsageError(`--by takes ${topQueryOrders.join(', ')}, not "${by}".`);
      request.topOrder = by as TopQueryOrder;
      request.limit = positiveInteger('limit', values.limit) ?? 20;
      break;
    }
    case 'health':
      if (positionals.length > 0) throw new UsageError('health takes no arguments.');
      break;
    case 'loops':
      if (positionals.length === 0)
        throw new UsageError('loops needs the code to scan: one or more .ts/.js files, directories or globs.');
      if (values.json && values.markdown) throw new UsageError('loops takes --json or --markdown, not both.');
      if (values.apply && values.json)
        throw new UsageError(
          '--apply writes files and prints what changed: not with --json (run --json without --apply to read the edits).',
        );
      request.sourcePaths = positionals;
      request.measure = values.measure === true;
      request.maxParents = positiveInteger('max-parents', values['max-parents']);
      request.apply = values.apply === true;
      if (request.maxParents !== undefined && !request.measure)
        throw new UsageError('--max-parents goes with --measure.');
      break;
    case 'mcp':
      if (positionals.length > 0)
        throw new UsageError('mcp takes no arguments; name connections with --connection name=postgres://….');
      request.mcp = {
        connections: values.connection ?? [],
        configPath: values.config,
        allowAnalyzeWrites: values['allow-analyze-writes'] === true,
      };
      request.allowWhatIf = values['allow-what-if'] === true;
      break;
    case 'check': {
      if (positionals.length === 0)
        throw new UsageError('check needs the files to check: .sql and .ts/.js files, directories or globs.');
      if (values.json && values.markdown) throw new UsageError('check takes --json or --markdown, not both.');
      if (values['update-baseline'] && values.baseline === undefined)
        throw new UsageError('--update-baseline goes with --baseline <dir>.');
      let failOn;
      try {
        failOn = parseCheckFailOn(failOnText === undefined ? [] : [failOnText]);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      request.sourcePaths = positionals;
      request.check = {
        sarifPath: values.sarif,
        updateBaseline: values['update-baseline'] === true,
        failOn: failOn.conditions,
        thresholds: failOn.thresholds,
      };
      break;
    }
  }
  if (request.baselinePath !== undefined && command !== 'report' && command !== 'check')
    throw new UsageError('--baseline is for report and check.');
  return request;
}

function adviseWorkloadArgs(
  values: { [K in OptionName]?: unknown },
  paths: string[],
): NonNullable<CliRequest['workload']> {
  for (const name of ['file', 'statement', 'param', 'as-written'] as const)
    if (values[name] !== undefined) throw new UsageError(`--${name} is for one statement, not with --workload.`);
  if (values.json && values.markdown) throw new UsageError('advise takes --json or --markdown, not both.');
  if (paths.length > 0 && (values.top !== undefined || values['values-from'] !== undefined))
    throw new UsageError('--top and --values-from are for a workload from pg_stat_statements (no files given).');
  return {
    paths,
    top: positiveInteger('top', values.top as string | undefined) ?? 10,
    valuesFrom: (values['values-from'] as string[] | undefined) ?? [],
  };
}

function sqlSource(file: string | undefined, positionals: string[], command: CommandName): SqlSource {
  if (file !== undefined && positionals.length > 0)
    throw new UsageError(`${command} takes --file or the SQL text, not both.`);
  if (file !== undefined) return { kind: 'file', path: file };
  if (positionals.length === 0)
    throw new UsageError(`${command} needs a statement: pass the SQL text or --file q.sql.`);
  // Unquoted SQL arrives as several words; joining them back is what the user meant.
  return { kind: 'inline', text: positionals.join(' ') };
}
