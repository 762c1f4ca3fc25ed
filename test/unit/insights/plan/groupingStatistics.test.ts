/**
 * row-misestimate at a GROUP BY over related columns (test server, generated data: 300,000 addresses, 2,000
 * zip codes, each zip in exactly one of 200 cities): the planner multiplies the columns' n_distinct and clamps
 * it, the advice reproduces that from pg_stats, suggests CREATE STATISTICS (ndistinct), and applying it makes
 * the estimate right.
 */
import { strict as assert } from 'node:assert';
import type { DatabaseSession } from '../../../../src/core/db/session';
import { explainAndOptimize } from '../../../../src/core/pipeline/explainAndOptimize';
import { evidence } from './fixtures';
import { analyzeSettled, sessionWithFreshSchema } from '../../../helpers/testDatabase';
import { testServer } from '../../../helpers/globalServer';

const schema = `grouping_${process.pid}`;
const ROWS = 300_000;
const ZIPS = 2_000;
const CITIES = 200;
const SQL = `SELECT city, zip, count(*) FROM ${schema}.addr GROUP BY city, zip`;

describe('row-misestimate: GROUP BY on related columns, grounded in pg_stats (test server)', function () {
  this.timeout(180_000);
  let session: DatabaseSession;

  before(async () => {
    session = await sessionWithFreshSchema(schema);
    // zip → city: every zip lies in one city (10 zips per city), so there are 2,000 (city, zip) pairs, not 400,000.
    await session.execute(`
      CREATE TABLE ${schema}.addr (id int PRIMARY KEY, zip text NOT NULL, city text NOT NULL, street text NOT NULL) WITH (autovacuum_enabled = false);
      INSERT INTO ${schema}.addr
        SELECT g, 'Z' || lpad((g % ${ZIPS})::text, 5, '0'), 'C' || ((g % ${ZIPS}) / ${ZIPS / CITIES}), 's' || (g % 37)
        FROM generate_series(1, ${ROWS}) g;`);
    await analyzeSettled((sql) => session.execute(sql), (await testServer()).url, `${schema}.addr`);
  });

  after(async () => {
    await session?.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await session?.close();
  });

  async function aggregateRows(): Promise<{ estimate: number; actual: number }> {
    const result = await explainAndOptimize(session, SQL, { analyze: true });
    const agg = result.plan.nodes.find((n) => n.fields['Node Type'] === 'Aggregate')!;
    return { estimate: agg.fields['Plan Rows'] ?? 0, actual: agg.fields['Actual Rows'] ?? 0 };
  }

  it('names the pg_stats figures, reproduces the estimate from them, suggests ndistinct; applying it fixes the estimate', async () => {
    const result = await explainAndOptimize(session, SQL, { analyze: true });
    const insight = result.insights.find((i) => i.ruleId === 'row-misestimate');
    assert.ok(insight, `no row-misestimate: ${result.insights.map((i) => i.ruleId).join(', ')}`);
    const agg = result.plan.nodes[insight.nodeIds[0]];
    assert.equal(agg.fields['Node Type'], 'Aggregate');
    // The tool explains with VERBOSE: keys come qualified.
    assert.deepEqual(agg.fields['Group Key'], ['addr.city', 'addr.zip']);
    const estimateBefore = agg.fields['Plan Rows'] ?? 0;
    assert.equal(agg.fields['Actual Rows'], ZIPS);

    assert.match(
      String(evidence(insight, 'pg_stats city')),
      new RegExp(`^${CITIES} distinct \\(n_distinct ${CITIES}\\)`),
    );
    assert.match(String(evidence(insight, 'pg_stats zip')), /^2,000 distinct \(n_distinct 2000\)/);
    assert.equal(evidence(insight, 'combinations if independent (Π n_distinct)'), CITIES * ZIPS);
    // 400,000 combinations, cut to 10 % of the table: what the planner estimated, from the same statistics.
    const independent = Number(evidence(insight, 'groups if independent (clamped as the planner does)'));
    assert.equal(independent, 0.1 * ROWS);
    assert.ok(
      Math.abs(estimateBefore - independent) / independent < 0.2,
      `estimate ${estimateBefore} vs ${independent} from pg_stats`,
    );
    assert.equal(evidence(insight, 'actual groups'), ZIPS);
    assert.equal(evidence(insight, 'CREATE STATISTICS kind'), 'ndistinct (GROUP BY on several columns)');
    // The freshness of addr's statistics, read from the scan below the aggregate, is checked before any advice.
    assert.ok(
      evidence(insight, 'last analyze') !== undefined && evidence(insight, 'last analyze') !== 'never',
      'last analyze of addr',
    );
    assert.equal(evidence(insight, 'analyzed by'), 'ANALYZE (last_analyze)');
    assert.ok(!/Run ANALYZE/.test(insight.suggestion ?? ''), insight.suggestion);
    assert.match(
      insight.explanation,
      /GROUP BY city, zip are estimated as if the columns were independent: pg_stats gives city 200, zip 2,000 distinct values, 400,000 combinations, which it cuts to 30,000 \(10 % of the 300,000 rows/,
    );
    assert.match(
      insight.explanation,
      /2,000 came — no more than zip alone has distinct values \(2,000\): the other columns add \(almost\) no groups, they depend on zip\./,
    );
    const ddl = new RegExp(
      `CREATE STATISTICS addr_city_zip_ndistinct \\(ndistinct\\) ON city, zip FROM ${schema}\\.addr; ANALYZE ${schema}\\.addr;`,
    );
    assert.match(insight.suggestion ?? '', ddl);

    // Apply what it says, as the user would, and explain again.
    const statement = /CREATE STATISTICS [^;]+;/.exec(insight.suggestion ?? '')![0];
    await session.execute(`SET search_path = ${schema}, public`);
    await session.execute(statement);
    await session.execute(`ANALYZE ${schema}.addr`);
    const after = await aggregateRows();
    assert.equal(after.actual, ZIPS);
    const factorBefore = estimateBefore / ZIPS;
    const factorAfter = Math.max(after.estimate / after.actual, after.actual / after.estimate);
    assert.ok(factorBefore >= 10, `before: ${estimateBefore} estimated for ${ZIPS} (${factorBefore.toFixed(1)}×)`);
    assert.ok(factorAfter < 1.5, `after: ${after.estimate} estimated for ${after.actual} (${factorAfter.toFixed(2)}×)`);
    const again = await explainAndOptimize(session, SQL, { analyze: true });
    assert.ok(!again.insights.some((i) => i.ruleId === 'row-misestimate'), 'no misestimate once the statistics exist');
    await session.execute(`DROP STATISTICS ${schema}.addr_city_zip_ndistinct`);
  });

  it('says nothing about ndistinct when the grouped columns are independent', async () => {
    // street (37 values) and zip: 37 × 2,000 = 74,000 combinations, and nearly all occur; the estimate is about right.
    const result = await explainAndOptimize(
      session,
      `SELECT street, zip, count(*) FROM ${schema}.addr GROUP BY street, zip`,
      { analyze: true },
    );
    const agg = result.plan.nodes.find((n) => n.fields['Node Type'] === 'Aggregate')!;
    assert.ok(
      Math.max(
        (agg.fields['Actual Rows'] ?? 1) / (agg.fields['Plan Rows'] ?? 1),
        (agg.fields['Plan Rows'] ?? 1) / (agg.fields['Actual Rows'] ?? 1),
      ) < 10,
    );
    assert.ok(!result.insights.some((i) => i.ruleId === 'row-misestimate' && /ndistinct/.test(i.suggestion ?? '')));
  });
});
