/**
 * `pg-tuner mcp` from the built bundle (dist/cli.js), driven by the MCP SDK's own client over stdio, against the
 * real test server (the dashboard demo: 5,000 users / 50,000 orders, in a database of its own) and the embedded
 * database loaded from a --schema file: every tool called, the structured results checked, and the refusals
 * (an unknown name, a URL as connection, ANALYZE of a DELETE without --allow-analyze-writes with the rows
 * counted before and after, several statements in one text).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Client } from 'pg';
import { dashboardQuery, dashboardSchemaSql } from '../../../src/core/demo/dashboardDemo';
import { buildBundles, cliBundle, repoRoot, runCli } from '../../helpers/cliBundle';
import { indexNames, runSql } from '../../helpers/testDatabase';
import { dashboardDatabase } from './dashboardDatabase';

interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

const loopCode = `import type { Pool } from 'pg';

export async function usersWithOrders(pool: Pool) {
  const users = await pool.query('SELECT id, name FROM users WHERE id < 10');
  for (const user of users.rows) {
    user.orders = (await pool.query('SELECT id, total FROM orders WHERE user_id = $1', [user.id])).rows;
  }
  return users.rows;
}
`;

async function countOrders(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0].n);
  } finally {
    await c.end();
  }
}

/** Starts `pg-tuner mcp …args` and connects the SDK's client to it. */
async function connect(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ client: McpClient; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliBundle, 'mcp', ...args],
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new McpClient({ name: 'pg-tuner-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('pg-tuner mcp (built bundle, the SDK client over stdio)', function () {
  this.timeout(300_000);
  let url: string;
  let work: string;
  let client: McpClient;
  let writer: McpClient;
  let stderr: () => string;

  const call = async (c: McpClient, name: string, args: Record<string, unknown>): Promise<ToolResult> =>
    (await c.callTool({ name, arguments: args })) as ToolResult;
  const ok = async (name: string, args: Record<string, unknown>, c = client): Promise<Record<string, unknown>> => {
    const r = await call(c, name, args);
    assert.notEqual(r.isError, true, `${name}: ${r.content.map((x) => x.text).join('\n')}\n${stderr()}`);
    assert.ok(r.structuredContent, `${name} has structured content`);
    assert.ok((r.content[0]?.text ?? '').length > 0, `${name} has a text summary`);
    assert.deepEqual(
      JSON.parse(r.content[1]?.text ?? 'null'),
      r.structuredContent,
      `${name}: the structured result also as JSON text`,
    );
    return r.structuredContent;
  };
  const refused = async (
    name: string,
    args: Record<string, unknown>,
    c = client,
  ): Promise<{ code?: string; message: string }> => {
    const r = await call(c, name, args);
    assert.equal(r.isError, true, `${name} should be refused: ${JSON.stringify(r.structuredContent)?.slice(0, 400)}`);
    return (r.structuredContent?.error ?? { message: r.content[0]?.text ?? '' }) as { code?: string; message: string };
  };

  before(async () => {
    buildBundles();
    ({ url } = await dashboardDatabase('mcp_cli_test'));
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-mcp-'));
    writeFileSync(join(work, 'schema.sql'), dashboardSchemaSql);
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src', 'users.ts'), loopCode);
    writeFileSync(join(work, 'connections.json'), JSON.stringify({ connections: { shop: { url } } }));
    ({ client, stderr } = await connect(['--config', 'connections.json', '--schema', 'schema.sql'], work));
    ({ client: writer } = await connect(
      ['--connection', `shop=${url}`, '--allow-analyze-writes', '--allow-what-if'],
      work,
    ));
  });

  after(async () => {
    await client?.close();
    await writer?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists every tool with an input schema', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'advise_indexes',
      'analyse_plan',
      'compare_plans',
      'explain',
      'find_loops',
      'health',
      'list_connections',
      'rewrite',
      'top_queries',
    ]);
    const explain = tools.find((t) => t.name === 'explain');
    assert.deepEqual(explain?.inputSchema.required?.slice().sort(), ['connection', 'sql']);
    assert.match(explain?.description ?? '', /--allow-analyze-writes/);
    assert.equal(explain?.annotations?.readOnlyHint, true);
    assert.match(
      client.getInstructions() ?? '',
      /connection name \(embedded, shop;.*never runs a statement that may write/,
    );
  });

  it('list_connections names the connections without their URL or password', async () => {
    const r = await ok('list_connections', {});
    const names = (r.connections as Array<{ name: string; kind: string }>).map((c) => `${c.name}:${c.kind}`);
    assert.deepEqual(names, ['embedded:embedded', 'shop:server']);
    assert.deepEqual(r.policy, { allowAnalyzeWrites: false, allowWhatIf: false });
    const password = new URL(url).password;
    assert.ok(password.length > 0);
    assert.ok(!JSON.stringify(r).includes(password), 'no password in the answer');
    assert.ok(!JSON.stringify(r).includes('postgres://'), 'no URL in the answer');
  });

  it('explain estimate: planned only, the plan and insights as structured data', async () => {
    const r = await ok('explain', { connection: 'shop', sql: dashboardQuery });
    assert.equal(r.mode, 'estimate');
    const result = r.result as {
      run: { wrapper: string; analyzed: boolean; sessionLabel: string };
      plan: { nodes: unknown[] };
      insights: Array<{ ruleId: string }>;
    };
    assert.equal(result.run.wrapper, 'plan-only');
    assert.equal(result.run.analyzed, false);
    assert.equal(result.run.sessionLabel, 'shop');
    assert.ok(result.plan.nodes.length > 3);
    assert.ok(result.insights.length > 0);
    assert.ok((r.caveats as string[]).some((c) => /Estimate only/.test(c)));
  });

  it('explain analyze: run in a READ ONLY transaction with actual times', async () => {
    const r = await ok('explain', {
      connection: 'shop',
      sql: 'SELECT count(*) FROM orders WHERE user_id = $1',
      params: [7],
      mode: 'analyze',
    });
    const result = r.result as { run: { wrapper: string; analyzed: boolean }; plan: { executionTimeMs?: number } };
    assert.equal(result.run.wrapper, 'read-only-transaction');
    assert.equal(result.run.analyzed, true);
    assert.equal(typeof result.plan.executionTimeMs, 'number');
  });

  it('explain on the embedded database loaded from --schema, with its caveat', async () => {
    const r = await ok('explain', {
      connection: 'embedded',
      sql: 'SELECT * FROM users WHERE email = :email',
      params: ['a@b.c'],
      mode: 'analyze',
    });
    const result = r.result as { run: { sessionKind: string; wrapper: string } };
    assert.equal(result.run.sessionKind, 'embedded');
    assert.ok((r.caveats as string[]).some((c) => /embedded database/.test(c)));
  });

  it('refuses ANALYZE of a DELETE without --allow-analyze-writes: nothing runs, the rows stay', async () => {
    const before = await countOrders(url);
    const e = await refused('explain', {
      connection: 'shop',
      sql: 'DELETE FROM orders WHERE id < 1000',
      mode: 'analyze',
    });
    assert.equal(e.code, 'analyze-writes-refused');
    assert.match(e.message, /DELETE writes.*--allow-analyze-writes/);
    // A writing CTE and a volatile function are writes too.
    assert.equal(
      (
        await refused('explain', {
          connection: 'shop',
          sql: 'WITH d AS (DELETE FROM orders WHERE id < 10 RETURNING id) SELECT count(*) FROM d',
          mode: 'analyze',
        })
      ).code,
      'analyze-writes-refused',
    );
    assert.equal(
      (await refused('explain', { connection: 'shop', sql: "SELECT nextval('x')", mode: 'analyze' })).code,
      'analyze-writes-refused',
    );
    assert.equal(await countOrders(url), before);
    // Planning it runs nothing and is allowed.
    const plan = await ok('explain', { connection: 'shop', sql: 'DELETE FROM orders WHERE id < 1000' });
    assert.equal((plan.result as { run: { wrapper: string } }).run.wrapper, 'plan-only');
    assert.equal(await countOrders(url), before);
  });

  it('with --allow-analyze-writes the DELETE runs inside BEGIN … ROLLBACK and nothing is kept', async () => {
    const before = await countOrders(url);
    const r = await ok(
      'explain',
      { connection: 'shop', sql: 'DELETE FROM orders WHERE id < 1000', mode: 'analyze' },
      writer,
    );
    const result = r.result as { run: { wrapper: string; analyzed: boolean } };
    assert.equal(result.run.wrapper, 'rolled-back-transaction');
    assert.equal(result.run.analyzed, true);
    assert.equal(await countOrders(url), before);
  });

  it('refuses several statements in one text, running none of them', async () => {
    const before = await countOrders(url);
    const e = await refused(
      'explain',
      { connection: 'shop', sql: 'SELECT 1; DELETE FROM orders', mode: 'analyze' },
      writer,
    );
    assert.equal(e.code, 'multiple-statements');
    assert.equal(await countOrders(url), before);
  });

  it('refuses an unknown connection name and a URL as connection, naming the configured ones', async () => {
    const unknown = await refused('explain', { connection: 'production', sql: 'SELECT 1' });
    assert.equal(unknown.code, 'unknown-connection');
    assert.match(unknown.message, /embedded, shop/);
    const asUrl = await refused('explain', { connection: url, sql: 'SELECT 1' });
    assert.equal(asUrl.code, 'url-not-allowed');
    assert.ok(!asUrl.message.includes(new URL(url).password), 'the URL is not echoed');
    assert.equal((await refused('health', { connection: 'postgres://u:p@localhost/db' })).code, 'url-not-allowed');
  });

  it('refuses arguments its schema does not allow (no SQL)', async () => {
    const r = await call(client, 'explain', { connection: 'shop' });
    assert.equal(r.isError, true);
    assert.match(r.content[0]?.text ?? '', /sql/);
  });

  it('analyse_plan reads a pasted plan without a database', async () => {
    const plan = readFileSync(join(repoRoot, 'test/unit/cli/fixtures/dashboard.plan.json'), 'utf8');
    const r = await ok('analyse_plan', { plan });
    const result = r.result as { plan: { analyzed: boolean; nodes: unknown[] }; insights: unknown[]; run?: unknown };
    assert.equal(result.plan.analyzed, true);
    assert.ok(result.insights.length > 0);
    assert.equal(result.run, undefined);
    const bad = await refused('analyse_plan', { plan: 'hello, not a plan' });
    assert.ok(bad.message.length > 0);
  });

  it('compare_plans: an estimate against an analyzed plan of the same statement', async () => {
    const plan = readFileSync(join(repoRoot, 'test/unit/cli/fixtures/dashboard.plan.json'), 'utf8');
    const text = readFileSync(join(repoRoot, 'test/unit/cli/fixtures/dashboard.psql.txt'), 'utf8');
    const r = await ok('compare_plans', { before: plan, after: text });
    assert.ok(Array.isArray(r.summary));
    const comparison = r.comparison as { matches: unknown[] };
    assert.ok(comparison.matches.length > 0);
  });

  it('advise_indexes: estimates only on a server without --allow-what-if, DDL as text, no index created', async () => {
    const before = await indexNames(url);
    const r = await ok('advise_indexes', {
      connection: 'shop',
      sql: 'SELECT id, total FROM orders WHERE user_id = $1',
      params: [42],
    });
    assert.equal(r.measured, false);
    const [statement] = r.statements as Array<{
      advice: { suggestions: Array<{ createSql: string; label: string }>; measurement: { done: boolean } };
    }>;
    assert.equal(statement.advice.measurement.done, false);
    assert.ok(statement.advice.suggestions.length > 0, JSON.stringify(statement.advice).slice(0, 3000));
    assert.match(statement.advice.suggestions[0].createSql, /^CREATE INDEX CONCURRENTLY/);
    assert.ok((r.caveats as string[]).some((c) => /not run/.test(c)));
    assert.deepEqual(await indexNames(url), before);
  });

  it('advise_indexes with --allow-what-if: measured in rolled-back transactions, a workload of two statements', async () => {
    const before = await indexNames(url);
    const r = await ok(
      'advise_indexes',
      { connection: 'shop', workload: [dashboardQuery, 'SELECT id, total FROM orders WHERE user_id = 42'] },
      writer,
    );
    assert.equal(r.measured, true);
    const statements = r.statements as Array<{ sql: string; advice: { measurement: { done: boolean } } }>;
    assert.equal(statements.length, 2);
    assert.ok(statements.some((s) => s.advice.measurement.done));
    assert.deepEqual(await indexNames(url), before);
    assert.equal(
      (
        await refused('advise_indexes', { connection: 'shop', sql: 'SELECT 1', workload: ['SELECT 2'] })
      ).message.includes('either'),
      true,
    );
  });

  it('advise_indexes with indexSet: one index set for the workload, its statements, write cost; nothing kept', async () => {
    const before = await indexNames(url);
    const orders = await countOrders(url);
    const r = await ok(
      'advise_indexes',
      {
        connection: 'shop',
        indexSet: true,
        workload: [
          'SELECT id, total FROM orders WHERE user_id = 42',
          'SELECT id FROM orders WHERE user_id = 7 ORDER BY created_at DESC LIMIT 5',
          "UPDATE orders SET status = 'shipped' WHERE id = 3",
        ],
      },
      writer,
    );
    assert.equal(r.measured, true);
    const set = r.indexSet as {
      indexes: Array<{
        createSql: string;
        serves: Array<{ statementId: string; beforeMs: number; afterMs: number }>;
        writeCost: { measured: boolean; timings?: Array<{ statementId: string }> };
      }>;
      statements: Array<{ id: string; status: string }>;
    };
    const onUser = set.indexes.find((x) => /ON public\.orders \(user_id/.test(x.createSql));
    assert.ok(onUser, JSON.stringify(set.indexes.map((x) => x.createSql)));
    assert.ok(onUser.serves.some((s) => s.statementId === '#1' && s.afterMs < s.beforeMs));
    assert.deepEqual(
      onUser.writeCost.timings?.map((t) => t.statementId),
      ['#3'],
    );
    assert.deepEqual(
      set.statements.map((s) => s.status),
      ['measured', 'measured', 'write'],
    );
    assert.deepEqual(await indexNames(url), before);
    assert.equal(await countOrders(url), orders);
    assert.match(
      (await refused('advise_indexes', { connection: 'shop', sql: 'SELECT 1', indexSet: true })).message,
      /goes with "workload"/,
    );
  });

  it('rewrite: only proven, measured forms, with their evidence', async () => {
    // A correlated subquery per user, each a scan of 50,000 orders: the join form wins by far more than any noise.
    const correlated =
      'SELECT u.id, u.name, (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id) AS spent FROM users u ORDER BY u.id LIMIT 40';
    const r = await ok('rewrite', { connection: 'shop', sql: correlated });
    const rewrites = r.rewrites as Array<{
      id: string;
      verification: string;
      measurement?: { before: { rows: number; timeMs: number }; after: { timeMs: number } };
      equivalence?: { onlyInOriginal: number; onlyInRewrite: number };
    }>;
    const join = rewrites.find((x) => x.id === 'correlated-subquery-to-join');
    assert.ok(join, JSON.stringify(r).slice(0, 800));
    assert.ok(rewrites.every((x) => x.verification === 'equivalent' && x.measurement !== undefined));
    assert.equal(join.equivalence?.onlyInOriginal, 0);
    assert.equal(join.equivalence?.onlyInRewrite, 0);
    assert.equal(join.measurement?.before.rows, 40);
    assert.ok(join.measurement.after.timeMs < join.measurement.before.timeMs);

    // The dashboard: aggregating first wins by about 1.5× at this size, so whether it is offered is the
    // measurement's call; either way it is proven equivalent, and when not offered the reason says so.
    const d = await ok('rewrite', { connection: 'shop', sql: dashboardQuery });
    const offered = (d.rewrites as Array<{ id: string; verification: string; measurement?: unknown }>).filter(
      (x) => x.id === 'aggregate-before-join',
    );
    const declined = (d.notOffered as Array<{ id: string; verification: string; notOffered?: string }>).filter(
      (x) => x.id === 'aggregate-before-join',
    );
    // Two forms where no foreign key runs from orders to users: the guarded cut before the join, every group.
    assert.ok([1, 2].includes(offered.length + declined.length), JSON.stringify(d).slice(0, 800));
    for (const x of offered) assert.ok(x.verification === 'equivalent' && x.measurement !== undefined);
    for (const x of declined) {
      assert.equal(x.verification, 'equivalent');
      assert.match(x.notOffered ?? '', /not faster beyond noise/);
    }
    // Pre-aggregation builds a view: not tried on a server unless the server may build what-if structures.
    const pre = d.preAggregate as { offers: unknown[]; notTried?: string };
    assert.deepEqual(pre.offers, []);
    assert.match(pre.notTried ?? '', /does not allow \(the server was not started with --allow-what-if\)$/);
  });

  it('rewrite with --allow-what-if: the pre-aggregated form offered with its trade-off in one line; nothing created', async () => {
    const before = await indexNames(url);
    const raw = await call(writer, 'rewrite', { connection: 'shop', sql: dashboardQuery });
    const r = raw.structuredContent ?? {};
    const pre = r.preAggregate as {
      offers: Array<{ tradeOff: string; text: string; advice: { kind: string; ddl: string[]; rewrittenSql: string } }>;
    };
    const offer = pre.offers.find((o) => o.advice.kind === 'materialized-view');
    assert.ok(offer, JSON.stringify(r.preAggregate).slice(0, 800));
    assert.match(offer.tradeOff, /^reads [\d.]+ m?s instead of [\d.]+ m?s \([\d.]+× lower\); refresh takes [\d.]+ m?s/);
    assert.match(offer.advice.ddl[0], /^CREATE MATERIALIZED VIEW /);
    assert.match(offer.text, /DDL \(not run for you\):/);
    assert.match(
      raw.content[0]?.text ?? '',
      /^Pre-aggregate \(not created; the DDL is text\): Materialized view \w+: .*: reads /m,
    );
    assert.deepEqual(await indexNames(url), before, 'no view or index left behind');
  });

  it('find_loops: the N+1 loop with its single query and diff; the file is not changed', async () => {
    const r = await ok('find_loops', { paths: ['src'] });
    const loops = r.loops as Array<{ path: string; line: number; singleQuery: string; diff: string }>;
    assert.equal(loops.length, 1);
    assert.equal(loops[0].path, join('src', 'users.ts'));
    assert.equal(loops[0].line, 6);
    assert.match(loops[0].singleQuery, /json_agg/);
    assert.match(loops[0].diff, /^@@ /m);
    assert.equal(readFileSync(join(work, 'src', 'users.ts'), 'utf8'), loopCode);
    // With the server's catalog, and measured (read-only).
    const measured = await ok('find_loops', { paths: ['src/**/*.ts'], connection: 'shop', measure: true });
    const [loop] = measured.loops as Array<{ measurement?: { parents: number } }>;
    assert.equal(loop.measurement?.parents, 9);
    assert.equal((await refused('find_loops', { paths: ['src'], connection: 'embedded' })).code, 'server-only');
  });

  it('top_queries reads pg_stat_statements (or says how to enable it); not on the embedded database', async () => {
    const r = await ok('top_queries', { connection: 'shop', limit: 5 });
    assert.ok(r.status === 'ok' || r.status === 'unavailable');
    if (r.status === 'unavailable') assert.ok((r.notes as unknown[]).length > 0);
    await runSql(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const after = await ok('top_queries', { connection: 'shop', orderBy: 'calls', limit: 5 });
    assert.equal(after.status, 'ok');
    assert.equal(after.orderBy, 'calls');
    assert.equal((await refused('top_queries', { connection: 'embedded' })).code, 'server-only');
  });

  it('PG* variables of the server process name a server "default", as for the CLI', async () => {
    const u = new URL(url);
    const env = {
      PGHOST: u.hostname,
      PGPORT: u.port,
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGDATABASE: u.pathname.slice(1),
    };
    const { client: fromEnv } = await connect([], work, env);
    try {
      const list = await ok('list_connections', {}, fromEnv);
      assert.deepEqual(
        (list.connections as Array<{ name: string }>).map((c) => c.name),
        ['embedded', 'default'],
      );
      assert.ok(!JSON.stringify(list).includes(env.PGPASSWORD));
      const r = await ok(
        'explain',
        { connection: 'default', sql: 'SELECT count(*) FROM users', mode: 'analyze' },
        fromEnv,
      );
      assert.equal((r.result as { run: { sessionLabel: string; wrapper: string } }).run.sessionLabel, 'default');
    } finally {
      await fromEnv.close();
    }
  });

  it('a connection flag it cannot use stops the server at start (exit 64), without echoing a password', async () => {
    const noName = await runCli(['mcp', '--connection', 'postgres://u:secret@localhost/db']);
    assert.equal(noName.code, 64);
    assert.match(noName.stderr, /--connection takes name=postgres:\/\/…/);
    assert.ok(!noName.stderr.includes('secret'));
    const reserved = await runCli(['mcp', '--connection', 'embedded=postgres://localhost/db']);
    assert.equal(reserved.code, 64);
    assert.match(reserved.stderr, /"embedded" is the embedded database's name/);
    const twice = await runCli([
      'mcp',
      '--url',
      'postgres://localhost/a',
      '--connection',
      'default=postgres://localhost/b',
    ]);
    assert.equal(twice.code, 64);
    assert.match(twice.stderr, /Connection "default" is given twice/);
  });

  it('health: the score, the checks and findings with their evidence', async () => {
    const r = await ok('health', { connection: 'shop' });
    assert.equal(typeof r.score, 'number');
    assert.ok((r.checks as unknown[]).length > 0);
    assert.equal(r.connection, 'shop');
  });
});
