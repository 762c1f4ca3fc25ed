/**
 * `pg-tuner report --advise` in-process (the command with a test `CommandIo`) on the real test server
 * (PostgreSQL 15 + HypoPG), in a database of its own filled by the dashboard demo generator (5,000 users /
 * 50,000 orders): the report a user saves holds the proven rewrites with their tables and the index suggestions
 * with their DDL, reasons, figures (and method) and rollback.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardQuery } from '../../../src/core/demo/dashboardDemo';
import { parseCliArgs, UsageError } from '../../../src/cli/args';
import { createColours } from '../../../src/cli/colours';
import type { CommandIo } from '../../../src/cli/io';
import { reportCommand } from '../../../src/cli/commands/report';
import { indexNames } from '../../helpers/testDatabase';
import { dashboardDatabase } from './dashboardDatabase';

const database = 'report_cli_test';

async function report(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    out: (text) => (stdout += text),
    note: (text) => (stderr += `${text}\n`),
    colours: createColours(false),
    signal: new AbortController().signal,
    env: {},
  };
  const request = parseCliArgs(['report', ...args], { isTty: false, env: {} });
  const code = await reportCommand(request, io, {});
  return { code, stdout, stderr };
}

/** The `## ` headings of a report, in order. */
function headings(md: string): string[] {
  return [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
}

describe('pg-tuner report --advise (test server)', function () {
  this.timeout(300_000);
  let url: string;
  let file: string;

  before(async () => {
    ({ url, file } = await dashboardDatabase(database));
  });

  it('--advise --allow-what-if: rewrites with their equivalence and before/after tables, measured index suggestions, rewrite + index when chosen', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pg-tuner-report-')), 'report.md');
    const r = await report([
      '--file',
      file,
      '--url',
      url,
      '--advise',
      '--allow-what-if',
      '--out',
      out,
      '--title',
      'Dashboard',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Rewrites: running both forms/);
    assert.match(r.stderr, /Report written to /);
    const md = readFileSync(out, 'utf8');
    assert.deepEqual(headings(md), [
      'Query',
      'Where it ran',
      'Plan summary',
      'Hotspots',
      'Insights',
      'Rewrites',
      'Index advice',
      'Pre-aggregate',
      'Plan',
    ]);
    assert.match(md, /^# Dashboard$/m);
    // The statement is shown once, at the top: the advice sections do not repeat it.
    assert.equal(md.split('FROM users u').length - 1, 1);

    const rewrites = md.slice(md.indexOf('## Rewrites'), md.indexOf('## Index advice'));
    assert.match(rewrites, /^### 1\. Aggregate .*$/m);
    assert.match(rewrites, /^\*\*Verdict:\*\* equivalent/m);
    assert.match(rewrites, /^\| original EXCEPT ALL rewrite \| 0 rows \|$/m);
    assert.match(rewrites, /^\| rewrite EXCEPT ALL original \| 0 rows \|$/m);
    assert.match(rewrites, /^\| Rows returned \(original \/ rewrite\) \| 100 \/ 100 \|$/m);
    assert.match(
      rewrites,
      new RegExp(`^#### Before / after, measured on .*${database}.* \\(EXPLAIN ANALYZE, BUFFERS\\)$`, 'm'),
    );
    assert.match(rewrites, /^\| Time \(median of 3\) \| [\d.]+ m?s \| [\d.]+ m?s \| /m);

    const indexes = md.slice(md.indexOf('## Index advice'), md.indexOf('## Plan\n'));
    assert.match(
      indexes,
      /^- \*\*Measurement:\*\* candidates were built for real in rolled-back transactions and timed$/m,
    );
    assert.match(indexes, /^### 1\. `\w+` on orders \((measured|\*\*estimated only\*\*)\)$/m);
    assert.match(indexes, /^CREATE INDEX CONCURRENTLY \w+ ON public\.orders /m);
    assert.match(indexes, /^- \*\*Why this column order:\*\* \S/m);
    assert.match(indexes, /^- \*\*Measured:\*\* measured on .*report_cli_test.*\(EXPLAIN ANALYZE, median of \d runs/m);
    assert.match(indexes, /^\| Before \| cost [\d,.]+, [\d.]+ m?s: /m);
    assert.match(indexes, /^\| After \| cost [\d,.]+, [\d.]+ m?s: /m);
    assert.match(indexes, /^DROP INDEX CONCURRENTLY public\.\w+;$/m);

    // The advisor decides by measuring: when it picks the rewrite, its four arms are in the rewrite's section;
    // otherwise the best combination names the statement as written.
    const best = /^- \*\*Best combination:\*\* (.+?) with (.+?): est\. cost/m.exec(indexes);
    assert.ok(best, indexes.slice(0, 1500));
    if (/^#### Rewrite \+ index, measured on /m.test(rewrites)) {
      assert.match(best[2], /^the rewrite "Aggregate/);
      for (const arm of ['original', 'rewrite alone', 'index alone', 'rewrite \\+ index'])
        assert.match(rewrites, new RegExp(`^\\| ${arm} \\| [\\d.]+ m?s \\| `, 'm'));
      assert.match(rewrites, /^- Both together: [\d.]+ m?s → [\d.]+ m?s/m);
      assert.match(rewrites, /^-- to undo:\nDROP INDEX CONCURRENTLY /m);
    } else {
      assert.equal(best[2], 'the statement as written');
    }

    // Beyond the per-query floor: the materialized view, proven and measured, with the trade-off in one line; not kept.
    const pre = md.slice(md.indexOf('## Pre-aggregate'), md.indexOf('## Plan\n'));
    assert.match(r.stderr, /Pre-aggregate: building the summary in a rolled-back transaction/);
    assert.match(pre, /^\*\*Materialized view \w+: .*\*\* — equivalent$/m);
    assert.match(
      pre,
      /^- Trade-off: reads [\d.]+ m?s instead of [\d.]+ m?s \([\d.]+× lower\); refresh takes [\d.]+ m?s, answers up to one refresh old\.$/m,
    );
    assert.match(
      pre,
      /^- Proof \(.*report_cli_test.*\): equivalent; current data: same rows .*; after random writes: same rows /m,
    );
    assert.match(pre, /^CREATE MATERIALIZED VIEW \w+ AS$/m);
    assert.match(pre, /^CREATE UNIQUE INDEX \w+ ON \w+ /m);
    assert.match(pre, /^REFRESH MATERIALIZED VIEW CONCURRENTLY \w+;?$/m);
    assert.match(pre, /^-- rollback: DROP MATERIALIZED VIEW /m);
    const view = /^CREATE MATERIALIZED VIEW (\w+) AS$/m.exec(pre)?.[1] ?? '';
    assert.match(pre, new RegExp(`^-- the query over the view:\\n[\\s\\S]*\\b${view}\\b`, 'm'));
    // pg_indexes lists a materialized view's indexes too: no index and no view left behind.
    assert.deepEqual(await indexNames(url), ['orders_pkey', 'users_pkey'], 'nothing left behind');
  });

  it('--advise without --allow-what-if on a server: index figures estimated only, said so, no rewrite + index', async () => {
    const r = await report([dashboardQuery, '--url', url, '--advise']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Index figures are estimates only: pass --allow-what-if/);
    assert.deepEqual(headings(r.stdout), [
      'Query',
      'Where it ran',
      'Plan summary',
      'Hotspots',
      'Insights',
      'Rewrites',
      'Index advice',
      'Pre-aggregate',
      'Plan',
    ]);
    assert.match(r.stdout, /^- \*\*Measurement:\*\* none \(.*\): figures are estimates only$/m);
    assert.doesNotMatch(r.stdout, /\(measured\)$/m);
    assert.doesNotMatch(r.stdout, /#### Rewrite \+ index/);
    assert.match(r.stdout, /^\| original EXCEPT ALL rewrite \| 0 rows \|$/m);
    // Pre-aggregation builds a view: on a server only with --allow-what-if, said so.
    assert.match(
      r.stdout,
      /^## Pre-aggregate\n\nNot tried: measuring it builds the summary .* in a rolled-back transaction, which this connection does not allow \(pass --allow-what-if, never on production\)\.$/m,
    );
    assert.doesNotMatch(r.stdout, /CREATE MATERIALIZED VIEW/);
    assert.deepEqual(await indexNames(url), ['orders_pkey', 'users_pkey']);
  });

  it('without --advise the report has no advice sections, as before', async () => {
    const r = await report(['SELECT id FROM users WHERE id = 7', '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    const h = headings(r.stdout);
    assert.equal(h[0], 'Query');
    assert.equal(h[h.length - 1], 'Plan');
    assert.ok(!h.includes('Rewrites') && !h.includes('Index advice'), h.join(', '));
  });

  it('usage errors: --advise with --plan, --allow-what-if without --advise', () => {
    const env = { isTty: false, env: {} };
    assert.throws(
      () => parseCliArgs(['report', '--plan', 'p.json', '--advise'], env),
      (e: unknown) => e instanceof UsageError && /--advise runs the statement on a database/.test(e.message),
    );
    assert.throws(
      () => parseCliArgs(['report', 'SELECT 1', '--allow-what-if'], env),
      (e: unknown) => e instanceof UsageError && /--allow-what-if goes with --advise/.test(e.message),
    );
    const ok = parseCliArgs(['report', 'SELECT 1', '--advise', '--allow-what-if'], env);
    assert.equal(ok.advise, true);
    assert.equal(ok.allowWhatIf, true);
  });
});
