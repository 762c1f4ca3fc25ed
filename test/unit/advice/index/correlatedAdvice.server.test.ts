/**
 * Issue 12 on a real server (Debian's PostgreSQL 15 with HypoPG): the dashboard written as an ORM writes it, one
 * correlated subquery per output column, at a small scale (5k users, 50k orders). Before, the advisor never
 * generated user_id and recommended orders (created_at); now the correlation column leads, HypoPG screens every
 * family first and only the survivors are built. The other members of the family (EXISTS, LATERAL, `$n`, quoted
 * names) get an index led by the correlation column too.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { requestedMajor } from '../../../helpers/postgresServer';
import { createDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseIndexes } from '../../../../src/core/advice/index/adviseIndexes';
import type { IndexAdvice, IndexSuggestion } from '../../../../src/core/advice/indexSuggestion';
import { renderIndexAdviceMarkdown } from '../../../../src/core/report/indexAdviceReport';
import { formatIndexAdvice } from '../../../../src/cli/commands/advise';
import { createColours } from '../../../../src/cli/colours';
import { dashboardSchemaSql, vacuumStatements } from './advisorData';
import { parsePlan } from '../../../../src/core/plan/parsePlan';
import { seqScanLargeTable } from '../../../../src/core/insights/plan/seqScanLargeTable';

const database = 'advisor_correlated_test';

const ormDashboardSql = `SELECT u.id, u.email,
  (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01') AS order_count,
  (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01') AS total_spent,
  (SELECT max(o.created_at) FROM orders o WHERE o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01') AS last_order
FROM users u WHERE u.status = 'active' ORDER BY u.id LIMIT 100`;

const plain = createColours(false);

function onOrders(advice: IndexAdvice): IndexSuggestion {
  const s = advice.suggestions.find((x) => x.candidate.table.toLowerCase() === 'orders');
  assert.ok(
    s,
    `no suggestion on orders: ${JSON.stringify({ notes: advice.notes, suggestions: advice.suggestions.map((x) => x.createSql) })}`,
  );
  return s;
}

const keys = (s: IndexSuggestion): string[] => s.candidate.keys.map((k) => k.column ?? `(${k.expression})`);

describe('adviseIndexes: correlated subqueries, screened by HypoPG first (issue 12)', function () {
  this.timeout(240_000);
  let session: PgSession;
  let hypopg = false;

  before(async function () {
    const s = await testServer();
    hypopg = s.extensions.includes('hypopg');
    if (requestedMajor() === undefined) assert.ok(hypopg, 'the test server has HypoPG');
    if (!hypopg) this.skip();
    session = await PgSession.connect({ connectionString: await createDatabase(s, database) });
    await session.execute('CREATE EXTENSION hypopg');
    await session.execute(dashboardSchemaSql(5_000, 50_000));
    // The same tables under a quoted schema and names, for the quoted-name member of the family.
    await session.execute(`CREATE SCHEMA "Shop";
      CREATE TABLE "Shop"."Orders" AS SELECT id, user_id AS "userId", created_at AS "createdAt", total FROM orders;
      ALTER TABLE "Shop"."Orders" ADD PRIMARY KEY (id);`);
    for (const v of vacuumStatements(['users', 'orders', '"Shop"."Orders"'])) await session.execute(v);
  });
  after(async () => {
    await session?.close();
  });

  it('one subquery per column, estimates only: (user_id, created_at) INCLUDE (total) wins, every family screened, none built', async () => {
    const advice = await adviseIndexes(session, ormDashboardSql, { allowMeasuredWhatIf: false });
    const s = onOrders(advice);
    assert.deepEqual(keys(s), ['user_id', 'created_at'], s.createSql);
    assert.deepEqual(s.candidate.include, ['total'], s.createSql);
    assert.equal(s.label, 'estimated only');
    // Orders of magnitude, not the 1.6× of orders (created_at) the advisor picked before.
    const e = s.estimate;
    assert.ok(e && e.method === 'hypopg' && e.costBefore / e.costAfter > 100, JSON.stringify(e));
    const sc = advice.screening;
    assert.ok(sc, 'screening summary');
    assert.equal(sc.method, 'hypopg');
    assert.equal(sc.built, 0);
    assert.ok(sc.families >= 3 && sc.screened >= sc.families && sc.screened <= sc.candidates, JSON.stringify(sc));
    assert.ok(sc.survivors >= 1, JSON.stringify(sc));
    const text = formatIndexAdvice(advice, plain);
    assert.match(
      text,
      new RegExp(
        `Screening: ${sc.screened}( of ${sc.candidates})? candidates \\(${sc.families} families\\) rated by HypoPG .*; ${sc.survivors} survived; none built`,
      ),
      text,
    );
    assert.match(renderIndexAdviceMarkdown(advice), /\*\*Screening:\*\* .*rated by HypoPG/);
  });

  it('built where allowed: only the survivors are built, the correlation index measured faster', async () => {
    const advice = await adviseIndexes(session, ormDashboardSql, { allowMeasuredWhatIf: true, samples: 3 });
    const s = onOrders(advice);
    // The correlation column leads; the range column follows when kept. Which of (user_id) and (user_id,
    // created_at) … is kept depends on their measured times here (10 orders per user: within noise of each
    // other), where the smaller wins by design (CI saw 5.13 ms against 5.82 ms once).
    const found = keys(s);
    assert.equal(found[0], 'user_id', formatIndexAdvice(advice, plain));
    if (found.length > 1) assert.equal(found[1], 'created_at', formatIndexAdvice(advice, plain));
    const m = s.measurement;
    assert.ok(m && m.timeAfterMs < m.timeBeforeMs, JSON.stringify(m));
    const sc = advice.screening;
    assert.ok(sc && sc.built >= 1, JSON.stringify(sc));
    // Far fewer built than screened: the three of maxMeasured and the smaller forms of the winner, at most.
    assert.ok(sc.built < sc.screened, JSON.stringify(sc));
    const json = JSON.parse(JSON.stringify(advice)) as IndexAdvice;
    assert.deepEqual(json.screening, sc);
    assert.match(formatIndexAdvice(advice, plain), new RegExp(`; ${sc.built} built and timed`));
  });

  it('as written past the statement_timeout: that bound is its time (said), the candidates are still built and timed', async () => {
    // About 4 s as written here; 1 s of statement_timeout stops it, as minutes stop it on production-size tables.
    const advice = await adviseIndexes(session, ormDashboardSql, {
      allowMeasuredWhatIf: true,
      samples: 3,
      statementTimeoutMs: 1_000,
    });
    const s = onOrders(advice);
    // The correlation column leads; the range column follows when kept. Which of (user_id) and (user_id,
    // created_at) … is kept depends on their measured times here (10 orders per user: within noise of each
    // other), where the smaller wins by design (CI saw 5.13 ms against 5.82 ms once).
    const found = keys(s);
    assert.equal(found[0], 'user_id', formatIndexAdvice(advice, plain));
    if (found.length > 1) assert.equal(found[1], 'created_at', formatIndexAdvice(advice, plain));
    const m = s.measurement;
    assert.ok(m && m.timeBeforeMs === 1_000 && m.timeAfterMs < 1_000, JSON.stringify(m));
    assert.ok(
      advice.notes.some((n) =>
        /did not finish within the statement_timeout \(1\.00? s\): .* lower bound/.test(n.message),
      ),
      JSON.stringify(advice.notes),
    );
    assert.equal(advice.measurement.done, true);
  });

  it("the static hint on the subquery's Seq Scan: equality before range, the outer u.id left out", async () => {
    // Large enough (120k rows) for seq-scan-large-table to speak on an estimated plan; no index on user_id.
    await session.execute(`CREATE TABLE hint_orders AS
      SELECT g AS id, 1 + g % 5000 AS user_id, timestamptz '2022-01-01' + g * interval '10 minutes' AS created_at,
             (g % 500)::numeric(10, 2) AS total
      FROM generate_series(1, 120000) AS g`);
    await session.execute('ANALYZE hint_orders');
    const explained = await session.explain({
      sql: ormDashboardSql.replace(/FROM orders o/g, 'FROM hint_orders o'),
      analyze: false,
    });
    const plan = parsePlan(explained.planJson);
    const catalog = await session.catalogFor(['hint_orders', 'users']);
    const hints = seqScanLargeTable.check({ plan, catalog }).filter((i) => /hint_orders/.test(i.suggestion ?? ''));
    assert.ok(hints.length > 0, JSON.stringify(seqScanLargeTable.check({ plan, catalog }).map((i) => i.title)));
    for (const h of hints) {
      // PostgreSQL prints the range first, then the outer row's column: read in order, that hinted
      // (created_at, user_id, id).
      const filter = String(h.evidence.find((e) => e.label === 'filter')?.value);
      assert.match(filter, /created_at >= .* AND \((o(_\d+)?\.)?user_id = u\.id\)/, filter);
      assert.match(h.suggestion ?? '', /index on hint_orders( o(_\d+)?)? \(user_id, created_at\)/, h.suggestion);
    }
  });

  it('without HypoPG: the rules alone still put the correlation column first; the planner screens as few as before', async () => {
    await session.execute('DROP EXTENSION hypopg');
    try {
      const rules = await adviseIndexes(session, ormDashboardSql, { allowMeasuredWhatIf: false });
      assert.equal(rules.screening, undefined);
      assert.deepEqual(keys(rules.suggestions[0]), ['user_id', 'created_at'], rules.suggestions[0]?.createSql);
      assert.deepEqual(rules.suggestions[0].candidate.include, ['total']);
      const planner = await adviseIndexes(session, ormDashboardSql, { allowMeasuredWhatIf: true, samples: 1 });
      const sc = planner.screening;
      assert.ok(sc && sc.method === 'planner' && sc.screened <= 12 && sc.built >= 1, JSON.stringify(sc));
      assert.equal(keys(onOrders(planner))[0], 'user_id', onOrders(planner).createSql);
      assert.match(formatIndexAdvice(planner, plain), /rated by the planner, each built in a rolled-back transaction/);
    } finally {
      await session.execute('CREATE EXTENSION hypopg');
    }
  });

  const family: Array<{ name: string; sql: string; params?: unknown[]; table?: string; lead?: string }> = [
    {
      name: 'EXISTS',
      sql: "SELECT u.id, u.email FROM users u WHERE u.status = 'active' AND EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.created_at >= '2024-06-01')",
    },
    {
      name: 'NOT EXISTS',
      sql: "SELECT u.id FROM users u WHERE u.status = 'active' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.created_at >= '2024-06-01')",
    },
    {
      name: 'IN',
      sql: "SELECT u.id FROM users u WHERE u.status = 'active' AND u.id IN (SELECT o.user_id FROM orders o WHERE o.created_at >= '2024-06-01')",
    },
    {
      name: 'LATERAL … ORDER BY … LIMIT',
      sql: "SELECT u.id, l.created_at, l.total FROM users u CROSS JOIN LATERAL (SELECT o.created_at, o.total FROM orders o WHERE o.user_id = u.id ORDER BY o.created_at DESC LIMIT 3) l WHERE u.status = 'active'",
    },
    {
      name: '$n parameters instead of literals',
      sql: 'SELECT u.id, (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND o.created_at >= $1) AS s FROM users u WHERE u.status = $2',
      params: ['2024-01-01', 'active'],
    },
    {
      name: 'schema-qualified, quoted names',
      sql: `SELECT u.id, (SELECT count(*) FROM "Shop"."Orders" o WHERE o."userId" = u.id AND o."createdAt" >= '2024-01-01') AS n FROM public.users u WHERE u.status = 'active'`,
      lead: 'userId',
    },
  ];
  for (const f of family) {
    it(`${f.name}: the estimated winner is led by the correlation column`, async () => {
      const advice = await adviseIndexes(session, f.sql, { allowMeasuredWhatIf: false, params: f.params });
      const s = onOrders(advice);
      assert.equal(keys(s)[0], f.lead ?? 'user_id', s.createSql);
      assert.ok(s.candidate.features.includes('correlation'), s.createSql);
    });
  }
});
