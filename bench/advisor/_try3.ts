import { Client } from 'pg';
import { testServer, mochaGlobalTeardown } from '../../test/helpers/globalServer';
import { dashboardSchemaSql } from '../../test/unit/indexAdvisor/advisorData';
(async () => {
  const s = await testServer();
  const c = new Client({ connectionString: s.url }); await c.connect();
  
  await c.query(dashboardSchemaSql(2000, 20000));
  await c.query('VACUUM ANALYZE orders');
  console.log((await c.query("select relallvisible, relpages from pg_class where relname='orders'")).rows);
  console.log((await c.query("select pid, backend_xmin, state, query from pg_stat_activity")).rows);
  await c.end();
  await mochaGlobalTeardown();
})().catch(async (e) => { console.error(e); await mochaGlobalTeardown(); });
