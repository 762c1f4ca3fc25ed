/**
 * The index advisor on the real test server, in a database of its own, with data from our generator
 * (advisorData.ts): 20k users, 200k orders, 50k events. The default server (Debian's 15) has HypoPG; the other
 * versions of `npm run test:versions` have none, so there the advisor estimates with real indexes built in
 * rolled-back transactions (method 'planner') and the same advice must come out.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { requestedMajor } from '../../../helpers/postgresServer';
import { createDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseIndexes } from '../../../../src/core/advice/index/adviseIndexes';
import type { IndexAdvice } from '../../../../src/core/advice/indexSuggestion';
import { bestLines, describeScreening, renderIndexAdviceMarkdown } from '../../../../src/core/report/indexAdviceReport';
import {
  dashboardRewriteSql,
  dashboardSchemaSql,
  dashboardSql,
  eventsSchemaSql,
  vacuumStatements,
} from './advisorData';

const database = 'advisor_server_test';

async function hypotheticalCount(session: PgSession): Promise<number> {
  const rows = await session.query<{ n: string }>('SELECT count(*)::int8 AS n FROM hypopg_list_indexes');
  return Number(rows[0].n);
}

async function realIndexNames(session: PgSession): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

describe('adviseIndexes on a real server (HypoPG where installed)', function () {
  this.timeout(240_000);
  let session: PgSession;
  let url: string;
  let hypopg = false;
  /** How what-if figures are estimated on this server. */
  const estimateMethod = (): string => (hypopg ? 'hypopg' : 'planner');

  before(async () => {
    const s = await testServer();
    hypopg = s.extensions.includes('hypopg');
    // The default server must have it, or the HypoPG path would go untested.
    if (requestedMajor() === undefined) assert.ok(hypopg, 'the test server has HypoPG');
    url = await createDatabase(s, database);
    session = await PgSession.connect({ connectionString: url });
    if (hypopg) await session.execute('CREATE EXTENSION hypopg');
    await session.execute(dashboardSchemaSql(20_000, 200_000));
    await session.execute(eventsSchemaSql(50_000));
    for (const v of vacuumStatements(['users', 'orders', 'events'])) await session.execute(v);
    // Table statistics reach pg_stat_user_tables asynchronously (flushed at most once a second): wait for the
    // load's inserts, which the write-overhead figures below report.
    for (let i = 0; i < 100; i++) {
      const rows = await session.query<{ n: string }>(
        "SELECT n_tup_ins::text AS n FROM pg_stat_user_tables WHERE relname = 'orders'",
      );
      if (rows[0]?.n === '200000') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await session?.close();
  });

  let dashboard: IndexAdvice;
  it('dashboard: a covering partial index on orders led by user_id, measured, with the rewrite', async () => {
    dashboard = await adviseIndexes(session, dashboardSql, {
      allowMeasuredWhatIf: true,
      alternatives: [{ label: 'aggregate first', rewrite: 'aggregate-before-join#1', sql: dashboardRewriteSql }],
    });
    const s = dashboard.suggestions.find((x) => x.candidate.table === 'orders');
    assert.ok(s, JSON.stringify(dashboard.notes));
    // Led by user_id, not created_at: the partial predicate already does the date filtering, so the key
    // serves the join and the grouping (rows in user_id order), and INCLUDE total makes it index-only.
    assert.equal(s.candidate.keys[0].column, 'user_id');
    assert.ok(s.candidate.include.includes('total'));
    assert.equal(s.candidate.predicate, "created_at >= '2024-01-01'");
    assert.match(
      s.createSql,
      /^CREATE INDEX CONCURRENTLY orders_user_id_\w+_idx ON public\.orders \(user_id\) INCLUDE \(.*total.*\) WHERE created_at >= '2024-01-01';$/,
    );
    assert.equal(s.rollbackSql, `DROP INDEX CONCURRENTLY public.${s.candidate.name};`);
    assert.equal(s.label, 'measured');
    // 3 runs, or the 5 back-to-back pairs of a head-to-head with a wider form within noise (the smaller kept).
    assert.ok(s.measurement && [3, 5].includes(s.measurement.samplesAfterMs.length) && s.measurement.sizeBytes > 0);
    assert.ok(s.measurement.timeAfterMs < s.measurement.timeBeforeMs);
    // Pages read are deterministic where times on a shared machine are not: the index must at least halve them.
    const { buffersBefore, buffersAfter } = s.measurement;
    assert.ok(
      buffersBefore !== undefined && buffersAfter !== undefined && buffersBefore > 1000,
      JSON.stringify(s.measurement),
    );
    assert.ok(buffersAfter <= buffersBefore / 2, `pages ${buffersBefore} → ${buffersAfter}`);
    assert.ok(
      s.planAfter?.nodes.some(
        (n) => n.fields['Index Name'] === s.candidate.name && n.fields['Node Type'] === 'Index Only Scan',
      ),
    );
    assert.ok(s.writeOverhead && s.writeOverhead.inserts === 200_000);
    // users.id is the primary key: no suggestion there, and it says so.
    assert.ok(dashboard.covered.some((c) => c.existingIndex === 'users_pkey'));
    assert.ok(dashboard.best && dashboard.best.indexNames.includes(s.candidate.name));
  });

  it('the Screening line adds up: what survived, and what else was built (smaller forms, the join’s other side)', () => {
    const sc = dashboard.screening;
    assert.ok(sc, JSON.stringify(dashboard.notes));
    const { screened, narrower, complement } = sc.builtFor;
    assert.equal(sc.built, screened + narrower + complement);
    // Built from the screening: only what survived it or the rules carried, 3 at most (the README's figure).
    assert.ok(screened <= Math.min(3, sc.survivors + sc.carried), JSON.stringify(sc));
    // The smaller forms of the covering index are built on top of those: the line says so (it read
    // "1 survived; 5 built and timed").
    assert.ok(narrower > 0, JSON.stringify(sc));
    const line = describeScreening(dashboard) ?? '';
    assert.match(
      line,
      new RegExp(
        `; ${sc.survivors} survived(, \\d+ more rated highly by the rules though the estimated plan ignored (it|them))?; ` +
          `${sc.built} built and timed \\(${screened} from the screening, ${narrower} smaller forms? of the fastest` +
          `(, ${complement} for the other side of the join, on top of the chosen index)?\\)$`,
      ),
    );
  });

  it('renders the dashboard advice as Markdown: DDL, reasons, figures with their method, plans, rollback', () => {
    const md = renderIndexAdviceMarkdown(dashboard);
    const s = dashboard.suggestions.find((x) => x.candidate.table === 'orders');
    assert.ok(s);
    assert.ok(md.startsWith('## Index advice\n'));
    assert.ok(md.includes(`\`\`\`sql\n${s.createSql}\n\`\`\``));
    assert.ok(md.includes(`\`\`\`sql\n${s.rollbackSql}\n\`\`\``));
    assert.match(md, /\*\*Why this column order:\*\* 1\. /);
    const by = hypopg
      ? 'estimated with a HypoPG hypothetical index'
      : 'estimated by the planner with the real index \\(built in a rolled-back transaction\\)';
    assert.match(md, new RegExp(`\\*\\*Estimate:\\*\\* ${by}: cost [\\d,.]+ → [\\d,.]+`));
    assert.match(md, /\*\*Measured:\*\* measured on \S+ \(EXPLAIN ANALYZE, median of [35] runs/);
    assert.match(md, /\| Before \| cost [\d,.]+, [\d.]+ m?s: .*Seq Scan on orders/);
    assert.match(md, /\| After \| cost [\d,.]+, [\d.]+ m?s: .*Index Only Scan using orders_user_id/);
    assert.match(
      md,
      /\*\*Applies to:\*\* the rewrite "aggregate-before-join#1"|\*\*Applies to:\*\* the statement as written/,
    );
    assert.match(md, /### Already covered\n\n- Existing index users_pkey/);
  });

  it('labels suggestions that could not be measured "estimated only" in the Markdown', async function () {
    // Without HypoPG and without building, there is nothing to estimate with: rules only (the read-only test).
    if (!hypopg) this.skip();
    const advice = await adviseIndexes(session, 'SELECT id, total FROM orders WHERE user_id = 42', {
      allowMeasuredWhatIf: false,
    });
    const md = renderIndexAdviceMarkdown(advice);
    assert.ok(advice.suggestions.length > 0);
    assert.match(md, /### 1\. `orders_user_id\w*` on orders \(\*\*estimated only\*\*\)/);
    assert.match(md, /\*\*Measured:\*\* not measured here: the figures above are estimates only/);
  });

  it('leaves nothing behind: no hypothetical and no real index', async () => {
    if (hypopg) assert.equal(await hypotheticalCount(session), 0);
    assert.deepEqual(await realIndexNames(session), ['events_pkey', 'orders_pkey', 'users_pkey']);
  });

  it('lower(email) = $1 gets an expression index', async () => {
    const advice = await adviseIndexes(session, 'SELECT id, name FROM users WHERE lower(email) = $1', {
      allowMeasuredWhatIf: true,
      params: ['user77@example.com'],
    });
    const s = advice.suggestions[0];
    assert.ok(s, JSON.stringify(advice.notes));
    assert.equal(s.candidate.keys[0].expression, 'lower(email)');
    assert.match(s.createSql, /ON public\.users \(\(lower\(email\)\)\)/);
    assert.ok(s.estimate && s.estimate.method === estimateMethod() && s.estimate.costAfter < s.estimate.costBefore / 2);
    assert.equal(s.label, 'measured');
    assert.ok(s.measurement && s.measurement.timeAfterMs < s.measurement.timeBeforeMs / 5);
  });

  it("status = 'active' AND created_at > … gets a partial index on the selective status, or status first", async () => {
    const advice = await adviseIndexes(
      session,
      "SELECT id, email FROM users WHERE status = 'active' AND created_at > '2022-06-01'",
      {
        allowMeasuredWhatIf: true,
      },
    );
    const s = advice.suggestions[0];
    assert.ok(s, JSON.stringify(advice.notes));
    const keys = s.candidate.keys.map((k) => k.column);
    const partialOnStatus = s.candidate.predicate?.includes("status = 'active'") === true;
    const partialOnDate = s.candidate.predicate?.includes('created_at') === true;
    // Either the equality sits in the WHERE of a partial index, or it leads the keys: never the range first.
    assert.ok(partialOnStatus || partialOnDate || keys[0] === 'status', JSON.stringify(s.candidate));
    if (!partialOnStatus) assert.ok(keys.includes('status'));
    assert.ok(!(keys[0] === 'created_at' && keys.includes('status')), 'range column before the equality column');
  });

  it('jsonb @> gets GIN (HypoPG cannot plan GIN: measured instead)', async () => {
    const advice = await adviseIndexes(session, `SELECT id FROM events WHERE payload @> '{"tag": "t5"}'`, {
      allowMeasuredWhatIf: true,
    });
    const s = advice.suggestions[0];
    assert.ok(s, JSON.stringify(advice.notes));
    assert.equal(s.candidate.method, 'gin');
    assert.match(s.createSql, /USING gin \(payload jsonb_path_ops\)/);
    assert.equal(s.label, 'measured');
    if (hypopg) assert.equal(await hypotheticalCount(session), 0);
    // Kept on its measurement alone: the estimate after is unknown, and said so (it was printed "NaN").
    if (hypopg) assert.equal(advice.best?.costAfter, undefined);
    const best = bestLines(advice).map((l) => l.text);
    assert.equal(best.length, 1);
    assert.doesNotMatch(best[0], /NaN/);
    if (hypopg)
      assert.match(best[0], /est\. cost [\d,.]+ → not estimated \(HypoPG cannot plan with these indexes\), measured/);
    // HypoPG ignored it, the rules carried it: built though nothing survived, and the line says why.
    if (hypopg)
      assert.match(
        describeScreening(advice) ?? '',
        /^1 candidate \(1 family\) rated by HypoPG .*; 0 survived, 1 more rated highly by the rules though the estimated plan ignored it; 1 built and timed$/,
      );
  });

  it('no candidate to screen: HypoPG is not asked, and the Markdown says nothing of it', async () => {
    const advice = await adviseIndexes(session, 'SELECT * FROM users', { allowMeasuredWhatIf: true });
    assert.deepEqual(advice.suggestions, []);
    assert.equal(advice.hypopg, undefined);
    assert.doesNotMatch(renderIndexAdviceMarkdown(advice), /HypoPG/);
  });

  it('an existing identical index: no suggestion, and the note says which index covers it', async () => {
    await session.execute('CREATE INDEX users_email_lower ON users (lower(email))');
    try {
      const advice = await adviseIndexes(session, "SELECT id FROM users WHERE lower(email) = 'user5@example.com'", {
        allowMeasuredWhatIf: true,
      });
      assert.ok(
        !advice.suggestions.some((s) => s.candidate.include.length === 0),
        JSON.stringify(advice.suggestions.map((s) => s.createSql)),
      );
      assert.ok(advice.covered.some((c) => c.existingIndex === 'users_email_lower'));
      assert.match(advice.covered[0].note, /already covers/);
    } finally {
      await session.execute('DROP INDEX users_email_lower');
    }
  });

  it('a table with no statistics: ANALYZE first, nothing else', async () => {
    await session.execute(
      'CREATE TABLE fresh (id int, code text) WITH (autovacuum_enabled = false); INSERT INTO fresh SELECT g, md5(g::text) FROM generate_series(1, 5000) g',
    );
    try {
      const advice = await adviseIndexes(session, "SELECT id FROM fresh WHERE code = 'x'", {
        allowMeasuredWhatIf: true,
      });
      assert.equal(advice.suggestions.length, 0);
      assert.equal(advice.notes[0].kind, 'analyze-first');
      assert.match(advice.notes[0].message, /ANALYZE public\.fresh/);
    } finally {
      await session.execute('DROP TABLE fresh');
    }
  });

  it('a view, and a type without a B-tree operator class, give clear notes', async () => {
    await session.execute(
      "CREATE VIEW recent_orders AS SELECT * FROM orders WHERE created_at > '2024-06-01'; CREATE TABLE shapes (id int PRIMARY KEY, area box); INSERT INTO shapes SELECT g, box(point(g, g), point(g + 1, g + 1)) FROM generate_series(1, 1000) g; ANALYZE shapes",
    );
    try {
      const onView = await adviseIndexes(session, 'SELECT id FROM recent_orders WHERE user_id = 5', {
        allowMeasuredWhatIf: false,
      });
      assert.ok(onView.notes.some((n) => n.kind === 'not-a-table' && /view/.test(n.message)));
      assert.equal(onView.suggestions.length, 0);
      const onBox = await adviseIndexes(session, "SELECT id FROM shapes WHERE area = box '((1,1),(2,2))'", {
        allowMeasuredWhatIf: false,
      });
      assert.ok(onBox.notes.some((n) => n.kind === 'no-btree-opclass'));
      assert.equal(onBox.suggestions.length, 0);
    } finally {
      await session.execute('DROP VIEW recent_orders; DROP TABLE shapes');
    }
  });

  it('a read-only connection: estimated only, nothing built, HypoPG reset', async () => {
    const ro = await PgSession.connect({
      connectionString: `${url}?options=${encodeURIComponent('-c default_transaction_read_only=on')}`,
    });
    try {
      const advice = await adviseIndexes(ro, dashboardSql, { allowMeasuredWhatIf: true });
      assert.equal(advice.measurement.done, false);
      assert.match(advice.measurement.reason ?? '', /read-only/);
      assert.ok(advice.suggestions.length > 0);
      for (const s of advice.suggestions) {
        assert.equal(s.label, 'estimated only');
        assert.equal(s.measurement, undefined);
        // Without HypoPG nothing may be built here: the suggestions follow the rules only, and say so.
        assert.equal(s.estimate?.method, hypopg ? 'hypopg' : undefined);
      }
      if (hypopg) {
        const rows = await ro.query<{ n: string }>('SELECT count(*)::int8 AS n FROM hypopg_list_indexes');
        assert.equal(Number(rows[0].n), 0);
      } else {
        assert.ok(
          advice.notes.some((n) => n.kind === 'measurement-skipped'),
          JSON.stringify(advice.notes),
        );
      }
    } finally {
      await ro.close();
    }
    assert.deepEqual(await realIndexNames(session), ['events_pkey', 'orders_pkey', 'users_pkey']);
  });

  it('warns when a sibling statement would get slower, and reports write overhead', async () => {
    // A sibling that reads orders in a way the planner may change with the new index.
    const siblings = [
      'SELECT * FROM orders ORDER BY id OFFSET 1000 LIMIT 50',
      "SELECT count(*) FROM orders WHERE created_at >= '2024-01-01'",
    ];
    // Without HypoPG, siblings are estimated with the real index in a rolled-back transaction: building allowed.
    const advice = await adviseIndexes(
      session,
      "SELECT user_id, total FROM orders WHERE user_id = 42 AND created_at >= '2024-06-01'",
      {
        allowMeasuredWhatIf: !hypopg,
        siblings,
      },
    );
    const s = advice.suggestions[0];
    assert.ok(s);
    // Never a partial index for one user: user_id = 42 is a point lookup, not a hot subset.
    assert.ok(!(s.candidate.predicate ?? '').includes('user_id'));
    assert.equal(s.candidate.keys[0].column, 'user_id');
    if (hypopg) assert.equal(s.label, 'estimated only');
    assert.ok(s.siblings.length >= 1);
    const anySlower = s.siblings.some((e) => e.costAfter > e.costBefore * 1.01);
    assert.equal(
      s.warnings.some((w) => w.includes('gets slower')),
      anySlower,
    );
    assert.ok(s.siblings.every((e) => e.method === estimateMethod() && e.costBefore > 0));
    assert.ok((s.writeOverhead?.tableBytes ?? 0) > 0);
  });
});
