/**
 * The plan view's header figures and its search box across plans (issue 13, item 8): "read" counts the relation
 * blocks read, not the temp blocks of a spill (shown apart); a search term typed for one plan does not carry
 * over to the next plan shown; a plan read from a file names it instead of "Pasted plan".
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowResultNotification } from '../../../src/shared/protocol';
import { testServer } from '../../helpers/globalServer';
import { realResult } from './fixtureResults';
import { formatBlocks } from '../../../webview/format';
import { planViewSuite } from './planViewSuite';

function show(result: TuningResult, title: string): DidShowResultNotification {
  return { type: 'didShowResult', result, title };
}

/** A real plan whose sort spills: work_mem at its minimum, a sort of 200,000 rows from a table. */
async function spillingResult(url: string): Promise<TuningResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE spill AS SELECT g, md5(g::text) AS t FROM generate_series(1, 200000) g');
    await client.query("SET work_mem = '64kB'");
    const res = await client.query<{ 'QUERY PLAN': unknown }>(
      'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM spill ORDER BY t',
    );
    const rawPlan = JSON.stringify(res.rows[0]['QUERY PLAN']);
    return { sql: 'SELECT * FROM spill ORDER BY t', plan: parsePlan(rawPlan), insights: [], nodeRanges: {}, rawPlan };
  } finally {
    await client.end();
  }
}

describe('plan view header and search across plans (Chromium)', function () {
  this.timeout(120_000);
  const { open } = planViewSuite();

  it('"read" counts shared and local blocks read; temp blocks of a spill are shown apart', async () => {
    const result = await spillingResult((await testServer()).url);
    const b = result.plan.totals.buffers;
    assert.ok(b.tempRead > 0 && b.tempWritten > 0, `the sort spilled: ${JSON.stringify(b)}`);
    const view = await open();
    await view.send(show(result, 'spill'));
    await view.page.waitForSelector('g.node');
    const stats = await view.page.$$eval('.summary .stat', (els) =>
      els.map((e) => [e.querySelector('dt')?.textContent ?? '', e.querySelector('dd')?.textContent ?? '']),
    );
    const byLabel = new Map(stats.map(([k, v]) => [k, v]));
    // Before: "read" was shared + local + temp blocks read.
    assert.equal(
      byLabel.get('Buffers'),
      `${formatBlocks(b.sharedHit + b.localHit)} hit · ${formatBlocks(b.sharedRead + b.localRead)} read`,
      JSON.stringify(stats),
    );
    assert.notEqual(formatBlocks(b.sharedRead + b.localRead), formatBlocks(b.sharedRead + b.localRead + b.tempRead));
    assert.equal(byLabel.get('Temp'), `${formatBlocks(b.tempWritten)} written · ${formatBlocks(b.tempRead)} read`);
  });

  it('a plan read from a file says so with its name, not "Pasted plan"', async () => {
    const result = await spillingResult((await testServer()).url);
    const view = await open();
    await view.send(show({ ...result, planFile: 'plans/slow-sort.json' }, 'plans/slow-sort.json'));
    await view.page.waitForSelector('g.node');
    const where = (await view.page.textContent('.summary .where')) ?? '';
    assert.match(where, /Plan read from plans\/slow-sort\.json/);
    assert.doesNotMatch(where, /Pasted/);
    await view.send(show(result, 'pasted'));
    await view.page.waitForFunction(() => document.querySelector('.summary .where')?.textContent === 'Pasted plan');
  });

  it('a search term typed for one plan is cleared when another plan arrives', async () => {
    const server = await testServer();
    const first = await realResult(server.url);
    const view = await open();
    await view.send(show(first, 'first'));
    await view.page.waitForSelector('g.node');
    await view.page.fill('#node-search input', 'orders');
    await view.page.waitForFunction(() => /of/.test(document.querySelector('#search-count')?.textContent ?? ''));
    const second = await spillingResult(server.url);
    await view.send(show(second, 'second'));
    await view.page.waitForFunction(() => document.querySelector('.summary')?.textContent?.includes('second'));
    assert.equal(await view.page.inputValue('#node-search input'), '');
    assert.equal(await view.page.textContent('#search-count'), '');
    assert.equal(await view.page.locator('g.node.match, g.node.match-current').count(), 0);
  });
});
