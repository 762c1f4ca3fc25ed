import { Client } from 'pg';
import { testServer, mochaGlobalTeardown } from '../../test/helpers/globalServer';
import { PgSession } from '../../src/core/db/pgSession';
import { loadParser } from '../../src/core/sql/parser';
import { analyseStatement } from '../../src/core/sql/analyseStatement';
import { generateCandidates } from '../../src/core/advice/index/generateCandidates';
import { hypopgWhatIf, plannerWhatIf, measureWithIndexes } from '../../src/core/advice/index/whatIf';
import { createIndexSql } from '../../src/core/advice/index/indexDdl';
import { nodeLabel } from '../../src/core/plan/planNode';
import type { Plan } from '../../src/core/plan/planNode';
import { vacuumStatements, dashboardSchemaSql, dashboardSql, dashboardRewriteSql } from '../../test/unit/indexAdvisor/advisorData';
const show = (p?: Plan) => p ? p.nodes.map(n => '  '.repeat(n.depth) + nodeLabel(n) + ' ' + n.fields['Total Cost']).join('\n') : 'none';
(async () => {
  const s = await testServer();
  const admin = new Client({ connectionString: s.url }); await admin.connect();
  await admin.query('CREATE DATABASE advisor_try'); await admin.end();
  const url = s.url.replace(/\/postgres$/, '/advisor_try');
  const c = new Client({ connectionString: url }); await c.connect(); await c.query('CREATE EXTENSION hypopg'); await c.end();
  const session = await PgSession.connect({ connectionString: url });
  await session.execute(dashboardSchemaSql(20000, 200000)); for (const v of vacuumStatements(['users','orders'])) await session.execute(v);
  await loadParser();
  const catalog = await session.catalogFor(['users', 'orders']);
  for (const sql of [dashboardSql, dashboardRewriteSql]) {
    const facts = analyseStatement(sql);
    const sel = new Map([["orders|created_at >= '2024-01-01'", 0.33]]);
    const { candidates } = generateCandidates({ facts, catalog, selectivity: sel });
    const h = hypopgWhatIf(session); const pl = plannerWhatIf(session);
    const base = await h.plan([], [{ sql }]);
    console.log('BASE\n' + show(base.plans[0]));
    for (const cand of candidates) {
      const r = await h.plan([cand], [{ sql }]);
      const q = await pl.plan([cand], [{ sql }]);
      console.log(createIndexSql(cand), cand.ruleScore, 'hypo', r.plans[0]?.totals.cost, r.planNames[0], 'planner', q.plans[0]?.totals.cost);
      if (cand.predicate) { console.log(show(r.plans[0])); console.log(show(q.plans[0])); }
    }
  }
  await session.close();
  await mochaGlobalTeardown();
})().catch(async (e) => { console.error(e); await mochaGlobalTeardown(); });
