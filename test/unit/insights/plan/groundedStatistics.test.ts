/**
 * row-misestimate grounds its statistics advice in the catalog, on real plans and a real catalog from the test
 * server (generated tables: 100,000 rows, a = b in every row, c skewed 50 % zero): it names last_analyze and
 * n_mod_since_analyze before (not) advising ANALYZE, reads pg_stats before blaming related columns, and picks
 * the CREATE STATISTICS kind that fits the conditions.
 */
import { strict as assert } from 'node:assert';
import type { DatabaseSession } from '../../../../src/core/db/session';
import { explainAndOptimize } from '../../../../src/core/pipeline/explainAndOptimize';
import type { Insight } from '../../../../src/core/insights/insight';
import { evidence } from './fixtures';
import { analyzeSettled, sessionWithFreshSchema } from '../../../helpers/testDatabase';
import { testServer } from '../../../helpers/globalServer';

const schema = `grounded_${process.pid}`;

describe('row-misestimate: advice grounded in pg_stat_user_tables and pg_stats (test server)', function () {
  this.timeout(120_000);
  let session: DatabaseSession;

  before(async () => {
    session = await sessionWithFreshSchema(schema);
    await session.execute(`
      CREATE TABLE ${schema}.t (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, c int NOT NULL) WITH (autovacuum_enabled = false);
      INSERT INTO ${schema}.t SELECT g, g % 100, g % 100, CASE WHEN g % 2 = 0 THEN 0 ELSE g END FROM generate_series(1, 100000) g;`);
    await analyzeSettled((sql) => session.execute(sql), (await testServer()).url, `${schema}.t`);
  });

  after(async () => {
    await session?.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await session?.close();
  });

  async function misestimate(
    sql: string,
  ): Promise<{ insight: Insight; modified: number; analyzedAt: string; rows: number }> {
    const result = await explainAndOptimize(session, sql, { analyze: true });
    const insight = result.insights.find((i) => i.ruleId === 'row-misestimate');
    assert.ok(insight, `no row-misestimate for ${sql}: ${result.insights.map((i) => i.ruleId).join(', ')}`);
    const table = result.catalog?.tables.find((t) => t.schema === schema && t.name === 't');
    assert.ok(table, 'the catalog was read');
    return {
      insight,
      modified: table.modificationsSinceAnalyze ?? -1,
      analyzedAt: table.lastAnalyze ?? '',
      rows: table.estimatedRows,
    };
  }

  it('equal columns with equality conditions: pg_stats confirms the product, CREATE STATISTICS (dependencies, mcv)', async () => {
    const { insight, analyzedAt, rows } = await misestimate(`SELECT id FROM ${schema}.t WHERE a = 7 AND b = 7`);
    assert.equal(evidence(insight, 'last analyze'), analyzedAt);
    assert.equal(evidence(insight, 'analyzed by'), 'ANALYZE (last_analyze)');
    assert.equal(evidence(insight, 'rows per statistics (pg_class)'), rows);
    assert.match(String(evidence(insight, 'pg_stats a')), /^100 distinct \(n_distinct 100\), correlation /);
    assert.match(String(evidence(insight, 'pg_stats b')), /^100 distinct/);
    // 100,000 × 1/100 × 1/100 = 10 rows: about what the planner estimated (its MCV lists round it); 1,000 came.
    assert.equal(evidence(insight, 'estimate if independent (reltuples × Π 1/n_distinct)'), 10);
    const estimated = Number(evidence(insight, 'estimated rows'));
    assert.ok(estimated >= 4 && estimated <= 25, `the planner multiplied the selectivities: estimate ${estimated}`);
    assert.equal(evidence(insight, 'actual rows'), 1000);
    assert.match(insight.explanation, /pg_stats confirms it: a has 100 distinct values, b has 100 distinct values/);
    assert.match(
      insight.suggestion ?? '',
      new RegExp(
        `CREATE STATISTICS t_a_b_stats \\(dependencies, mcv\\) ON a, b FROM ${schema}\\.t; ANALYZE ${schema}\\.t;`,
      ),
    );
    assert.doesNotMatch(insight.suggestion ?? '', /^Run ANALYZE/);
  });

  it('range conditions on related columns: mcv only, since dependencies serve equality alone', async () => {
    const { insight } = await misestimate(`SELECT id FROM ${schema}.t WHERE a < 5 AND b < 5`);
    assert.equal(evidence(insight, 'CREATE STATISTICS kind'), 'mcv (ranges or lists: dependencies only help equality)');
    assert.match(insight.suggestion ?? '', /CREATE STATISTICS t_a_b_stats \(mcv\) ON a, b FROM/);
    assert.match(String(evidence(insight, 'pg_stats a')), /n_distinct 100/);
  });

  it('fresh statistics and no other cause: no blind "run ANALYZE", and the figures it rests on', async () => {
    // An expression the planner can't estimate from c's statistics: its fixed guess (0.5 %) meets 50 % zeros.
    const { insight, modified, rows } = await misestimate(`SELECT id FROM ${schema}.t WHERE c + 0 = 0`);
    assert.equal(evidence(insight, 'rows changed since'), modified);
    assert.ok(modified < 0.2 * rows, `the table counts as freshly analysed (${modified} rows changed of ${rows})`);
    assert.match(
      insight.suggestion ?? '',
      new RegExp(
        `^The statistics of ${schema}\\.t are current \\(last analysed .+, ${modified} rows changed since, of 100,000\\): ANALYZE alone will not change this estimate`,
      ),
    );
  });
});
