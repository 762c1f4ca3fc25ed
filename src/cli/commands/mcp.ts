/**
 * `pg-tuner mcp`: a Model Context Protocol server on stdin/stdout, so an AI agent (Claude, VS Code agent mode,
 * …) gets the tuner's verified answers as tools. The connections are the user's (flags or a JSON file); a tool
 * names one. stdout carries the protocol only: notes go to stderr.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TunerError } from '../../core/errors';
import { topQueryOrders, type TopQueryOrder } from '../../core/workload/topQueries';
import type { CliRequest } from '../args';
import type { CommandIo } from '../io';
import {
  adviseIndexesTool,
  analysePlanTool,
  comparePlansTool,
  ConnectionPool,
  explainTool,
  findLoopsTool,
  healthTool,
  listConnectionsTool,
  rewriteTool,
  topQueriesTool,
  type AgentToolContext,
  type ToolAnswer,
} from '../mcp/agentTools';
import { configuredConnections } from '../mcp/connections';

/** The version the server reports to clients. */
const serverVersion = '0.1.0';

/** Big enough for any statement or pasted plan worth reading; beyond it the input is refused by its schema. */
const maxTextChars = 5_000_000;

/**
 * The summary, then the structured result also as JSON text: the protocol asks for that copy, since a client
 * that predates structuredContent passes only the text blocks to its model, which would then lack the evidence.
 */
function answer(outcome: ToolAnswer): CallToolResult {
  return {
    content: [
      { type: 'text', text: outcome.summary },
      { type: 'text', text: JSON.stringify(outcome.structured) },
    ],
    structuredContent: outcome.structured,
  };
}

/** A failure as a tool result (the agent reads it and may try otherwise), with a stable code when there is one. */
function failure(err: unknown): CallToolResult {
  const message = err instanceof Error ? err.message : String(err);
  const error: Record<string, unknown> = { message };
  if (err instanceof TunerError) {
    error.reason = err.reason;
    if (err.detail.code !== undefined) error.code = err.detail.code;
    if (err.detail.offset !== undefined) error.offset = err.detail.offset;
    if (err.detail.hint !== undefined) error.hint = err.detail.hint;
  }
  return { isError: true, content: [{ type: 'text', text: message }], structuredContent: { error } };
}

/**
 * All tools run one after another: the embedded database is one connection, and a machine that is also running
 * the application should not get several EXPLAIN ANALYZE at once from one agent.
 */
function serialQueue(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = last.then(work, work);
    last = run.catch(() => undefined);
    return run;
  };
}

/** Builds the server with every tool registered; the caller connects a transport. */
export function createTunerMcpServer(base: Omit<AgentToolContext, 'signal'>): {
  server: McpServer;
  pool: ConnectionPool;
  /** Cancels every tool call still running and waits for them (at most `boundMs`): before the pool closes. */
  stopRunning: (boundMs?: number) => Promise<void>;
} {
  const names = [...base.connections.keys()].join(', ');
  const server = new McpServer(
    { name: 'pg-tuner', version: serverVersion },
    {
      instructions:
        `PostgreSQL Query Tuner: verified answers about PostgreSQL queries. Tools that touch a database take a connection name (${names}; list_connections describes them), never a URL. ` +
        'Start with explain (mode estimate, then analyze for actual times); advise_indexes and rewrite return only verified suggestions with their evidence and caveats; DDL is text for the user to apply. ' +
        `This server ${base.allowAnalyzeWrites ? 'may run writing statements inside BEGIN … ROLLBACK' : 'never runs a statement that may write'} and ${base.allowWhatIf ? 'may build' : 'does not build'} what-if indexes on servers.`,
    },
  );
  const pool = new ConnectionPool(base);
  const serial = serialQueue();
  const connection = z
    .string()
    .max(200)
    .describe(`The name of a connection the user configured: ${names}. Never a URL.`);
  const sql = z
    .string()
    .min(1)
    .max(maxTextChars)
    .describe('One SQL statement (SELECT, INSERT, UPDATE, DELETE, MERGE); $1… or :name parameters allowed.');
  const params = z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .max(100)
    .optional()
    .describe('Values for $1, $2 … in order.');
  // A client that closes stdin mid-call must not leave its statement running on the server (holding locks until
  // the statement_timeout): the shutdown cancels it like the client's own cancel does.
  const shutdown = new AbortController();
  const running = new Set<Promise<unknown>>();
  const run =
    (work: (ctx: AgentToolContext) => Promise<ToolAnswer> | ToolAnswer) =>
    async (signal: AbortSignal): Promise<CallToolResult> => {
      const call = serial(async () => work({ ...base, signal: AbortSignal.any([signal, shutdown.signal]) }));
      running.add(call);
      try {
        return answer(await call);
      } catch (err) {
        return failure(err);
      } finally {
        running.delete(call);
      }
    };
  const stopRunning = async (boundMs = 5000): Promise<void> => {
    shutdown.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...running]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, boundMs);
      }),
    ]);
    clearTimeout(timer);
  };
  const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

  server.registerTool(
    'list_connections',
    {
      title: 'List connections',
      description:
        'The databases this server may use (by name), and whether it may run writing statements or build what-if indexes.',
      inputSchema: {},
      annotations: { ...readOnly, idempotentHint: true },
    },
    async (_args, extra) => run((ctx) => listConnectionsTool(ctx))(extra.signal),
  );
  server.registerTool(
    'explain',
    {
      title: 'Explain a statement',
      description:
        'EXPLAIN one statement on a named connection and find where the time goes: the plan (flat node list), insights ranked by cost with evidence and suggestions. mode "estimate" (default) only plans it; "analyze" runs it in a READ ONLY transaction that is rolled back. A statement that may write (INSERT/UPDATE/DELETE/MERGE, FOR UPDATE, volatile functions) is refused with "analyze" unless the user started the server with --allow-analyze-writes; DDL and several statements are always refused.',
      inputSchema: {
        connection,
        sql,
        mode: z
          .enum(['estimate', 'analyze'])
          .default('estimate')
          .describe('estimate: plan only (nothing runs). analyze: run it (read-only) for actual times and rows.'),
        params,
        genericPlan: z
          .boolean()
          .optional()
          .describe('EXPLAIN (GENERIC_PLAN) for $n without values (PostgreSQL 16+); implies estimate.'),
      },
      annotations: readOnly,
    },
    async (args, extra) => run((ctx) => explainTool(pool, ctx, args))(extra.signal),
  );
  server.registerTool(
    'analyse_plan',
    {
      title: 'Analyse a pasted plan',
      description:
        'Read EXPLAIN output the user pasted (JSON, text, YAML or XML; from psql, pgAdmin, auto_explain, …) and find the insights. No database is used.',
      inputSchema: {
        plan: z.string().min(1).max(maxTextChars).describe('The EXPLAIN output.'),
        sql: z.string().max(maxTextChars).optional().describe('The statement, to map plan nodes to SQL.'),
      },
      annotations: { ...readOnly, idempotentHint: true },
    },
    async (args, extra) => run(() => analysePlanTool(args))(extra.signal),
  );
  server.registerTool(
    'compare_plans',
    {
      title: 'Compare two plans',
      description:
        'Match the nodes of two EXPLAIN outputs (before and after a change) and report what changed: time, rows, buffers, node types. No database is used.',
      inputSchema: { before: z.string().min(1).max(maxTextChars), after: z.string().min(1).max(maxTextChars) },
      annotations: { ...readOnly, idempotentHint: true },
    },
    async (args, extra) => run(() => comparePlansTool(args))(extra.signal),
  );
  server.registerTool(
    'advise_indexes',
    {
      title: 'Advise indexes',
      description:
        'Which index would make a statement (or a workload of several) fast, judged against the statement and its rewrites proven to return the same rows. Candidate indexes are built and timed in rolled-back transactions on the embedded database, or on a server started with --allow-what-if; otherwise estimates. Returns CREATE INDEX DDL as text with its rollback; nothing is created.',
      inputSchema: {
        connection,
        sql: sql.optional(),
        workload: z
          .array(z.string().min(1).max(maxTextChars))
          .min(1)
          .max(20)
          .optional()
          .describe('Several statements (one per item) judged together: each index is re-planned against the others.'),
        params,
        asWritten: z.boolean().optional().describe('Judge the statement as written only, not its proven rewrites.'),
        indexSet: z
          .boolean()
          .optional()
          .describe(
            "With workload: one index set for all of it (overlaps counted once), each index with the statements it serves and their gain, its cost on the workload's INSERT/UPDATE/DELETE and the existing indexes it makes redundant.",
          ),
      },
      annotations: readOnly,
    },
    async (args, extra) => run((ctx) => adviseIndexesTool(pool, ctx, args))(extra.signal),
  );
  server.registerTool(
    'rewrite',
    {
      title: 'Rewrite a statement',
      description:
        'Faster forms of a SELECT, each proven to return the same rows on this database (both forms run read-only and compared) and measured; only those are returned, with the evidence and caveats.',
      inputSchema: { connection, sql, params },
      annotations: readOnly,
    },
    async (args, extra) => run((ctx) => rewriteTool(pool, ctx, args))(extra.signal),
  );
  server.registerTool(
    'find_loops',
    {
      title: 'Find N+1 query loops',
      description:
        'N+1 query loops in TypeScript/JavaScript files (paths relative to where the server runs): each with the single json_agg query that replaces it and the code change as a diff (not applied). With a server connection its catalog is read; measure runs each loop and its query in a read-only transaction.',
      inputSchema: {
        paths: z.array(z.string().min(1).max(4096)).min(1).max(100).describe('Files, directories or globs.'),
        connection: connection.optional(),
        measure: z.boolean().optional(),
      },
      annotations: readOnly,
    },
    async (args, extra) => run((ctx) => findLoopsTool(pool, ctx, args))(extra.signal),
  );
  server.registerTool(
    'top_queries',
    {
      title: 'Top queries',
      description: 'The statements worth tuning on a server, from pg_stat_statements (read-only).',
      inputSchema: {
        connection,
        orderBy: z.enum(topQueryOrders as [TopQueryOrder, ...TopQueryOrder[]]).optional(),
        limit: z.number().int().min(1).max(200).optional(),
      },
      annotations: { ...readOnly, idempotentHint: true },
    },
    async (args, extra) => run(() => topQueriesTool(pool, args))(extra.signal),
  );
  server.registerTool(
    'health',
    {
      title: 'Database health',
      description:
        'Read-only schema and workload checks of a server with a score; each finding with its evidence, the fix as DDL text and its rollback (not run).',
      inputSchema: { connection },
      annotations: { ...readOnly, idempotentHint: true },
    },
    async (args, extra) => run((ctx) => healthTool(pool, ctx, args))(extra.signal),
  );
  return { server, pool, stopRunning };
}

/** `pg-tuner mcp`: serves until the client closes stdin. */
export async function mcpCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const options = request.mcp;
  if (!options) throw new Error('mcp without options');
  const connections = configuredConnections({
    connections: options.connections,
    url: request.database.url,
    configPath: options.configPath,
    schema: request.database.schema,
    env: io.env,
  });
  const { server, pool, stopRunning } = createTunerMcpServer({
    connections,
    allowAnalyzeWrites: options.allowAnalyzeWrites,
    allowWhatIf: request.allowWhatIf === true,
    timeoutMs: request.database.timeoutMs,
    cwd: process.cwd(),
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    io.signal.addEventListener('abort', () => resolve());
  });
  await server.connect(transport);
  io.note(`pg-tuner MCP server ready on stdio; connections: ${[...connections.keys()].join(', ')}.`);
  await closed;
  await stopRunning();
  await server.close().catch(() => undefined);
  await pool.close();
  return 0;
}
