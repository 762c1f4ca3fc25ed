/**
 * The Top Queries view's items, built from real TopQueriesResults: a small workload on the PostgreSQL 15 test
 * server (in a database of this file's own), that database before pg_stat_statements is created, a role that
 * may not read the others' statements, and the embedded database (PGlite). Also the view's contributions.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import type { TestServer } from '../../helpers/postgresServer';
import { PgSession } from '../../../src/core/db/pgSession';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import { loadParser } from '../../../src/core/sql/parser';
import { findStatementSources, indexStatementSources } from '../../../src/core/workload/statementSources';
import {
  loadTopQueries,
  orderValue,
  topQueryOrders,
  type TopQueriesResult,
  type TopQueryOrder,
} from '../../../src/core/workload/topQueries';
import {
  embeddedWorkloadNote,
  isTopQueryOrder,
  notFoundNode,
  oneLine,
  orderPicks,
  sourceNodes,
  stepsScript,
  topQueryNodes,
  viewDescription,
  type NoteNode,
  type StatementNode,
} from '../../../src/extension/workload/topQueryItems';
import { commandSpecs } from '../../../src/extension/commandTable';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';

const dbName = `workload_items_${process.pid}`;
const readerRole = `workload_items_reader_${process.pid}`;

const slow = 'SELECT pg_sleep(0.05)';
const lookup = 'SELECT id, v FROM wi_items WHERE id = $1';

describe('Top Queries view items (real pg_stat_statements results)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let url: string;
  let session: PgSession;
  let missing: TopQueriesResult;
  const results = new Map<TopQueryOrder, TopQueriesResult>();

  before(async () => {
    server = await testServer();
    url = await createDatabase(server, dbName);
    session = await PgSession.connect({ connectionString: url });
    missing = await loadTopQueries(session);
    await session.execute('CREATE EXTENSION pg_stat_statements');
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(
        'CREATE TABLE wi_items (id int PRIMARY KEY, v int NOT NULL); INSERT INTO wi_items SELECT g, g % 10 FROM generate_series(1, 500) g',
      );
      // Only this database's counters: other test files' statements stay.
      await c.query(
        'SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)',
      );
      for (let i = 0; i < 4; i++) await c.query(slow);
      for (let i = 1; i <= 60; i++) await c.query(lookup, [i]);
    } finally {
      await c.end();
    }
    for (const orderBy of ['total', 'calls'] as const)
      results.set(orderBy, await loadTopQueries(session, { orderBy, limit: 10 }));
  });

  after(async () => {
    await session?.close();
    await dropDatabase(server, dbName);
  });

  it('lists the statements in the order asked for, each with its share and figures', () => {
    const byTotal = topQueryNodes({ result: results.get('total')!, connectionKind: 'server' });
    const statements = byTotal.filter((n): n is StatementNode => n.kind === 'statement');
    // No note on a preloaded server with the extension but the one on pg-tuner's own entries (its reads), last.
    assert.equal(statements.length, byTotal.length - 1);
    const own = byTotal[byTotal.length - 1];
    assert.equal(own.kind, 'note');
    assert.equal(own.id, 'note:own-statements');
    assert.equal(own.label, "pg-tuner's own statements are kept apart");
    assert.match(
      own.tooltip ?? '',
      /pg-tuner's own .*\n\nThe largest:\n- .+ in \d+ calls \(\d+\.\d% of all recorded time\): `/s,
    );
    assert.equal(statements[0].label, 'SELECT pg_sleep($1)');
    assert.match(
      statements[0].description ?? '',
      /^\d+\.\d% of total time · \d+ ms total · 4 calls · \d+\.\d ms mean$/,
    );
    assert.ok(statements[0].statement.totalTimeMs >= 200);
    const totals = statements.map((n) => n.statement.totalTimeMs);
    assert.deepEqual(
      totals,
      [...totals].sort((a, b) => b - a),
    );
    assert.equal(new Set(statements.map((n) => n.id)).size, statements.length, 'ids are unique');
    assert.ok(statements.every((n) => n.explainable && n.icon === 'symbol-event'));
    assert.match(statements[0].tooltip ?? '', /^\*\*#1 by total time\*\*\n\n```sql\nSELECT pg_sleep\(\$1\)\n```/);
    assert.match(statements[0].tooltip ?? '', /\| Calls \| 4 \(\d+\.\d%\) \|/);

    const byCalls = topQueryNodes({ result: results.get('calls')!, connectionKind: 'server' }).filter(
      (n): n is StatementNode => n.kind === 'statement',
    );
    assert.equal(byCalls[0].label, lookup);
    assert.equal(byCalls[0].statement.calls, 60);
    assert.match(byCalls[0].description ?? '', /^\d+\.\d% of calls · 60 calls · .+ total · .+ mean$/);
    // The same statement keeps its id whatever the order, so the tree keeps it expanded.
    const lookupInTotal = statements.find((n) => n.label === lookup);
    assert.equal(lookupInTotal?.id, byCalls[0].id);
  });

  it('re-sorts a result by its own key (shares follow the key)', () => {
    const r = results.get('total')!;
    const reversed: TopQueriesResult = { ...r, orderBy: 'calls', statements: [...r.statements].reverse() };
    const nodes = topQueryNodes({ result: reversed, connectionKind: 'server' }).filter(
      (n): n is StatementNode => n.kind === 'statement',
    );
    const calls = nodes.map((n) => orderValue(n.statement, 'calls'));
    assert.deepEqual(
      calls,
      [...calls].sort((a, b) => b - a),
    );
    assert.deepEqual(
      nodes.map((n) => n.statement.rank),
      nodes.map((_n, i) => i + 1),
    );
    assert.equal(nodes[0].statement.share, nodes[0].statement.shares.calls);
  });

  it('shows the exact CREATE EXTENSION step when the database lacks pg_stat_statements, and nothing else', () => {
    assert.equal(missing.status, 'unavailable');
    const nodes = topQueryNodes({ result: missing, connectionKind: 'server' });
    assert.equal(nodes.length, 1);
    const note = nodes[0] as NoteNode;
    assert.equal(note.kind, 'note');
    assert.equal(note.label, 'pg_stat_statements is not created in this database');
    assert.match(note.description ?? '', new RegExp(`not created in database "${dbName}"`));
    assert.deepEqual(
      note.steps.map((s) => s.label),
      ['1. CREATE EXTENSION pg_stat_statements;'],
    );
    // Clicking a step opens the script; the SQL stays runnable text, the rest are comments.
    assert.match(note.steps[0].script, /\nCREATE EXTENSION pg_stat_statements;\n$/);
    assert.match(
      note.steps[0].script,
      /^-- pg_stat_statements is not created in this database\n-- Review, then run these yourself/,
    );
  });

  it('turns the shared_preload_libraries steps into comments and keeps SQL as SQL', () => {
    const script = stepsScript('pg_stat_statements is not preloaded', [
      "shared_preload_libraries = 'pg_stat_statements'   -- in postgresql.conf",
      'Restart PostgreSQL (a reload is not enough for shared_preload_libraries).',
      'CREATE EXTENSION pg_stat_statements;',
    ]);
    const lines = script.trimEnd().split('\n');
    assert.deepEqual(lines.slice(3), [
      "-- shared_preload_libraries = 'pg_stat_statements'   -- in postgresql.conf",
      '-- Restart PostgreSQL (a reload is not enough for shared_preload_libraries).',
      'CREATE EXTENSION pg_stat_statements;',
    ]);
  });

  it('notes what another role cannot see, and its hidden statements cannot be opened', async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${readerRole}; CREATE ROLE ${readerRole} LOGIN PASSWORD 'reader-pw'`);
    await admin.end();
    const readerUrl = new URL(url);
    readerUrl.username = readerRole;
    readerUrl.password = 'reader-pw';
    const reader = await PgSession.connect({ connectionString: readerUrl.toString() });
    try {
      const r = await loadTopQueries(reader, { orderBy: 'total', limit: 50 });
      const nodes = topQueryNodes({ result: r, connectionKind: 'server' });
      assert.equal(nodes[0].kind, 'note', 'the note comes first');
      const note = nodes[0] as NoteNode;
      assert.equal(note.label, 'Some statements are hidden from this role');
      assert.equal(note.icon, 'info');
      assert.match(note.steps[0].label, /^1\. GRANT pg_read_all_stats TO <this role>;/);
      const hidden = nodes.filter((n): n is StatementNode => n.kind === 'statement' && !n.explainable);
      assert.ok(hidden.length >= 2, `${hidden.length} hidden`);
      assert.ok(hidden.every((n) => n.label === '<insufficient privilege>' && n.icon === 'lock'));
      assert.match(hidden[0].tooltip ?? '', /belongs to another role/);
    } finally {
      await reader.close();
      const cleanup = new Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP OWNED BY ${readerRole}; DROP ROLE ${readerRole}`);
      await cleanup.end();
    }
  });

  it('says why the embedded database has no top queries instead of asking to install contrib', async () => {
    const embedded = await openEmbeddedDatabase([{ path: 'schema.sql', text: 'CREATE TABLE t (id int PRIMARY KEY);' }]);
    try {
      const r = await loadTopQueries(embedded);
      assert.equal(r.status, 'unavailable');
      const nodes = topQueryNodes({ result: r, connectionKind: 'embedded' });
      assert.equal(nodes.length, 1);
      const note = nodes[0] as NoteNode;
      assert.equal(note.label, embeddedWorkloadNote.title);
      assert.match(note.description ?? '', /started without pg_stat_statements\. Select a server connection/);
      assert.deepEqual(note.steps, []);
      // The same result on a server connection keeps the core's install steps.
      const asServer = topQueryNodes({ result: r, connectionKind: 'server' })[0] as NoteNode;
      assert.equal(asServer.label, 'pg_stat_statements is not installed on the server');
      assert.ok(asServer.steps.some((s) => s.label.endsWith('CREATE EXTENSION pg_stat_statements;')));
    } finally {
      await embedded.close();
    }
  });

  it('links a statement to the workspace files that issue it', async () => {
    await loadParser();
    const files = [
      {
        path: 'file:///w/src/items.ts',
        text: 'export const byId = (id: number) =>\n  db.query(`SELECT id, v\n    FROM wi_items WHERE id = ${id}`);\n',
      },
      { path: 'file:///w/sql/report.sql', text: '-- report\nSELECT 1;\n\nselect id, v from wi_items where id = 7;\n' },
      { path: 'file:///w/src/other.js', text: "const q = 'SELECT v FROM wi_items WHERE id = 1';\n" },
    ];
    const statement = results.get('calls')!.statements[0];
    assert.equal(statement.query, lookup);
    const found = findStatementSources(statement, indexStatementSources(files));
    const nodes = sourceNodes('statement:x', found, (p) => p.replace('file:///w/', ''));
    assert.deepEqual(
      nodes.map((n) => [n.label, n.description]),
      [
        ['src/items.ts:2', 'Found in workspace'],
        ['sql/report.sql:4', 'Found in workspace'],
      ],
    );
    assert.deepEqual(
      nodes.map((n) => n.id),
      ['statement:x:source-0', 'statement:x:source-1'],
    );
    assert.match(nodes[0].tooltip ?? '', /```sql\nSELECT id, v\n {4}FROM wi_items WHERE id = \$1\n```/);
    const none = notFoundNode('statement:y', 3);
    assert.deepEqual(
      [none.label, none.description, none.id],
      ['Not found in workspace', '3 .sql/.ts/.js files searched', 'statement:y:not-found'],
    );
  });

  it('describes the view and offers every order in the quick pick, the current one marked', () => {
    const r = results.get('total')!;
    assert.equal(viewDescription(r, 'total', 'e2e server'), 'by total time · e2e server');
    const limited: TopQueriesResult = { ...r, statements: r.statements.slice(0, 1) };
    assert.match(viewDescription(limited, 'total', 'e2e server'), /^by total time · e2e server · top 1 of \d+$/);
    const picks = orderPicks('temp');
    assert.deepEqual(
      picks.map((p) => p.orderBy),
      [...topQueryOrders],
    );
    assert.deepEqual(
      picks.filter((p) => p.description === 'current').map((p) => p.label),
      ['Temp blocks written'],
    );
    assert.ok(isTopQueryOrder('reads') && !isTopQueryOrder('bogus') && !isTopQueryOrder(undefined));
    assert.equal(oneLine('SELECT a,\n       b\n  FROM t'), 'SELECT a, b FROM t');
    assert.equal(oneLine('x'.repeat(200)).length, 72);
  });
});

describe('Top Queries view contributions (package.json)', () => {
  interface Contributes {
    viewsContainers: { activitybar: Array<{ id: string; title: string; icon: string }> };
    views: Record<string, Array<{ id: string; name: string }>>;
    menus: Record<string, Array<{ command: string; when?: string; group?: string }>>;
  }
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: Contributes;
  };
  const c = manifest.contributes;

  it('puts a "PostgreSQL Tuner" container in the activity bar with the Top Queries view', () => {
    const container = c.viewsContainers.activitybar.find((v) => v.id === 'pgTuner');
    assert.ok(container);
    assert.equal(container.title, 'PostgreSQL Tuner');
    assert.match(readFileSync(join(__dirname, '../../..', container.icon), 'utf8'), /^<svg /);
    assert.deepEqual(
      c.views.pgTuner.map((v) => [v.id, v.name]),
      [['pgTuner.topQueries', 'Top Queries']],
    );
    const vscodeignore = readFileSync(join(__dirname, '../../../.vscodeignore'), 'utf8');
    assert.match(vscodeignore, /^!media\/\*\.svg$/m, 'the icon is packaged');
  });

  it('has refresh, order, health report and workload indexes on the view title, all of them table commands', () => {
    const title = c.menus['view/title'].filter((m) => m.when === 'view == pgTuner.topQueries').map((m) => m.command);
    assert.deepEqual(title.sort(), [
      'pgTuner.orderTopQueries',
      'pgTuner.refreshTopQueries',
      'pgTuner.showHealthReport',
      'pgTuner.suggestWorkloadIndexes',
    ]);
    const ids = new Set(commandSpecs.map((s) => s.id));
    for (const m of [...c.menus['view/title'], ...c.menus['view/item/context']])
      assert.ok(ids.has(m.command as never), m.command);
  });
});
