/**
 * The dashboard demo (our generator: 5,000 users / 50,000 orders, HypoPG created where the server has it: the
 * version runs' servers do not) in a database of its own on the run's PostgreSQL server, and its query in a .sql file, as `pg-tuner rewrite` and `report --advise` take it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardDataSql, dashboardQuery, dashboardSchemaSql } from '../../../src/core/demo/dashboardDemo';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, runSql } from '../../helpers/testDatabase';

export interface DashboardDatabase {
  url: string;
  /** The dashboard query, alone in a file. */
  file: string;
}

export async function dashboardDatabase(name: string): Promise<DashboardDatabase> {
  const server = await testServer();
  const url = await createDatabase(server, name);
  if (server.extensions.includes('hypopg')) await runSql(url, 'CREATE EXTENSION IF NOT EXISTS hypopg');
  await runSql(url, dashboardSchemaSql + dashboardDataSql({ users: 5_000, orders: 50_000 }));
  await runSql(url, 'VACUUM ANALYZE orders');
  await runSql(url, 'VACUUM ANALYZE users');
  const file = join(mkdtempSync(join(tmpdir(), `pg-tuner-${name}-`)), 'dashboard.sql');
  writeFileSync(file, `${dashboardQuery.trim().replace(/;?$/, ';')}\n`);
  return { url, file };
}
