/**
 * Plans as users paste them (test/fixtures/plans/pasted, made by its generate.ts from PostgreSQL 15 and
 * PGlite's PostgreSQL 18; see its README): every sample must give the same tree as its FORMAT JSON twin from
 * the same server run, and errors in unwrapped text must name the line of the input.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TunerError } from '../../../src/core/errors';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan, PlanNode } from '../../../src/core/plan/planNode';

interface Sample {
  file: string;
  twin: string;
  server: string;
  made: string;
  queryText?: string;
}

const dir = join(__dirname, '../../fixtures/plans/pasted');
const samples = JSON.parse(readFileSync(join(dir, 'samples.json'), 'utf8')) as Sample[];
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

/**
 * What two runs of one statement share. Below a Gather the split of rows and loops between the processes
 * depends on the run, so there only the estimates are compared.
 */
function shape(n: PlanNode): string {
  const f = n.fields;
  const actual = n.metrics.underGather ? [] : [f['Actual Loops'], f['Actual Rows']];
  return [
    n.depth,
    f['Node Type'],
    f['Relation Name'],
    f['Schema'],
    f['Alias'],
    f['Index Name'],
    f['CTE Name'],
    f['Parent Relationship'],
    f['Subplan Name'],
    f['Join Type'],
    f['Strategy'],
    f['Partial Mode'],
    f['Operation'],
    f['Plan Rows'],
    f['Plan Width'],
    f['Total Cost'],
    n.metrics.underGather,
    ...actual,
  ].join(' | ');
}

function failure(text: string): TunerError {
  try {
    parsePlan(text);
  } catch (err) {
    assert.ok(err instanceof TunerError, `expected a TunerError, got ${String(err)}`);
    assert.equal(err.reason, 'not-a-plan');
    return err;
  }
  assert.fail('parsePlan accepted it');
}

describe('pasted plans: each sample matches its JSON twin', () => {
  it('has at least 40 samples of every kind', () => {
    assert.ok(samples.length >= 40, `only ${samples.length} samples`);
    for (const kind of [
      'psql-border2',
      'psql-unicode',
      'psql-expanded',
      'psql-wrapped',
      'psql-csv',
      'pgadmin',
      'dbeaver',
      'csv-export',
      'terminal-cut',
      'crlf',
      'auto-explain-notice',
      'server-log',
      '.yaml',
      '.xml',
    ]) {
      assert.ok(
        samples.some((s) => s.file.includes(kind)),
        `no ${kind} sample`,
      );
    }
    assert.ok(samples.some((s) => s.server === 'pglite-18') && samples.some((s) => s.server === 'postgres-15'));
  });

  for (const s of samples) {
    it(`${s.file} (${s.made})`, () => {
      const twin = parsePlan(read(s.twin));
      const plan = parsePlan(read(s.file));
      assert.equal(twin.format, 'json');
      assert.deepEqual(plan.nodes.map(shape), twin.nodes.map(shape));
      assert.equal(plan.analyzed, twin.analyzed);
      const expectedFormat = /\.yaml|\.xml/.test(s.file)
        ? /\.yaml/.test(s.file)
          ? 'yaml'
          : 'xml'
        : /json/.test(s.file)
          ? 'json'
          : 'text';
      assert.equal(plan.format, expectedFormat);
      if (s.queryText !== undefined) {
        assert.equal(plan.queryText, s.queryText);
      } else {
        // EXPLAIN's own output (not auto_explain) has the statement trailers; the twin has them too.
        assert.equal(plan.executionTimeMs === undefined, twin.executionTimeMs === undefined);
        assert.equal(plan.planningTimeMs === undefined, twin.planningTimeMs === undefined);
        assert.deepEqual(
          plan.triggers.map((t) => [t.name, t.calls]),
          twin.triggers.map((t) => [t.name, t.calls]),
        );
        assert.equal(plan.jit?.functions, twin.jit?.functions);
      }
    });
  }
});

describe('pasted plans: what the shapes carry', () => {
  const load = (file: string): Plan => parsePlan(read(file));

  it('auto_explain text keeps a multi-line Query Text apart from the plan', () => {
    const text = [
      '2024-05-01 12:00:00.123 UTC [1234] LOG:  duration: 0.135 ms  plan:',
      '\tQuery Text: SELECT count(*)',
      '\tFROM t',
      '\t  WHERE n = 3',
      '\tAggregate  (cost=18.75..18.76 rows=1 width=8) (actual time=0.133..0.133 rows=1 loops=1)',
      '\t  ->  Seq Scan on t  (cost=0.00..18.50 rows=100 width=0) (actual time=0.006..0.128 rows=100 loops=1)',
      '\t        Filter: (n = 3)',
      '\t        Rows Removed by Filter: 900',
      '2024-05-01 12:00:00.125 UTC [1234] LOG:  duration: 0.4 ms  statement: SELECT 1',
    ].join('\n');
    const plan = parsePlan(text);
    assert.equal(plan.queryText, 'SELECT count(*)\nFROM t\n  WHERE n = 3');
    assert.deepEqual(
      plan.nodes.map((n) => n.fields['Node Type']),
      ['Aggregate', 'Seq Scan'],
    );
    assert.equal(plan.nodes[1].metrics.rowsRemovedByFilter, 900);
  });

  it('JIT and Triggers trailers survive every wrapping', () => {
    for (const file of ['pg15-jit.psql-expanded.txt', 'pg15-jit.psql-tuples-only.xml', 'pg15-jit.psql-aligned.txt']) {
      const jit = load(file).jit;
      assert.ok(jit && jit.functions > 0 && jit.totalMs > 0, file);
    }
    for (const file of [
      'pg15-trigger.psql-border2.txt',
      'pg15-trigger.csv-export.csv',
      'pg15-trigger.psql-tuples-only.yaml',
      'pg18-trigger.xml',
    ]) {
      const triggers = load(file).triggers;
      assert.deepEqual(
        triggers.map((t) => t.calls),
        [100, 100],
        file,
      );
      assert.ok(
        triggers.every((t) => t.timeMs > 0),
        file,
      );
    }
  });

  it('YAML and XML keep details under their FORMAT JSON names', () => {
    const json = load('pg15-parallel.json');
    for (const file of ['pg15-parallel.psql-verbose.yaml', 'pg15-parallel.psql-verbose.xml']) {
      const plan = load(file);
      const scan = plan.nodes.find((n) => n.fields['Node Type'] === 'Seq Scan') as PlanNode;
      const twinScan = json.nodes.find((n) => n.fields['Node Type'] === 'Seq Scan') as PlanNode;
      assert.equal(scan.fields['Filter'], twinScan.fields['Filter']);
      assert.deepEqual(scan.fields['Output'], twinScan.fields['Output']);
      assert.ok(Array.isArray(scan.fields['Workers']) && scan.fields['Workers'].length > 0);
      assert.equal(typeof scan.fields['I/O Read Time'], 'number');
      assert.ok(scan.metrics.buffersInclusive.sharedHit > 0);
    }
    const agg = load('pg18-agg.yaml').nodes.find((n) => n.fields['Node Type'] === 'Sort') as PlanNode;
    assert.deepEqual(agg.fields['Sort Key'], ['status']);
  });

  it('Windows line endings, BOM and a prompt line are taken off', () => {
    const text = read('pg18-agg.text.txt');
    const plan = parsePlan('\uFEFFdb=# EXPLAIN (ANALYZE) SELECT …;\r\n' + text.replace(/\n/g, '\r\n'));
    assert.equal(plan.nodes.length, load('pg18-agg.json').nodes.length);
  });
});

describe('pasted plans: errors name the line of the input', () => {
  it('a bad line inside a logged plan', () => {
    const text = [
      '2024-05-01 12:00:00.100 UTC [1] LOG:  checkpoint starting: time',
      '2024-05-01 12:00:00.123 UTC [1234] LOG:  duration: 0.135 ms  plan:',
      '\tQuery Text: SELECT 1',
      '\tAggregate  (cost=18.75..18.76 rows=1 width=8)',
      '\t  ->  Seq Scan on t  (cost=0.00..18.50 rows=100 width=0)',
      '\t        Filter: (n = 3)',
      '\t        this is not a detail',
    ].join('\n');
    const err = failure(text);
    assert.match(err.message, /^line 7: .*got 'this is not a detail'/);
    assert.equal(err.detail.line, 7);
  });
  it('a bad line inside a pgAdmin copy', () => {
    const err = failure(
      '"QUERY PLAN"\n"Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)"\n"  Filter: (a > 1)"\n"  hello there"\n',
    );
    assert.match(err.message, /^line 4: /);
    assert.equal(err.detail.line, 4);
  });
  it('a bad line inside psql border 2 frames', () => {
    const lines = read('pg15-agg.psql-border2.txt').split('\n');
    lines[5] = lines[5].replace(/\|(\s+)\S.*\|$/, (m) => `|   garbage${' '.repeat(m.length - 12)}|`);
    const err = failure(lines.join('\n'));
    assert.equal(err.detail.line, 6);
    assert.match(err.message, /^line 6: .*garbage/);
  });
  it('YAML: a line that is not "Key: value"', () => {
    const text = read('pg18-agg.yaml').split('\n');
    const at = text.findIndex((l) => l.includes('Plan Width'));
    text[at] = text[at].replace(/Plan Width: \d+/, 'Plan Width');
    const err = failure(text.join('\n'));
    assert.equal(err.detail.line, at + 1);
    assert.match(err.message, /expected a 'Key: value' line of a YAML plan, got 'Plan Width'/);
  });
  it('XML: truncated', () => {
    const text = read('pg18-agg.xml');
    const err = failure(text.slice(0, Math.floor(text.length / 2)));
    assert.match(err.message, /the XML plan is truncated: <\w[\w-]*> \(line \d+\) is not closed/);
  });
  it('XML: a closing tag that does not match', () => {
    const err = failure(
      '<explain xmlns="http://www.postgresql.org/2009/explain">\n  <Query>\n    <Plan>\n  </Query>\n</explain>\n',
    );
    assert.match(err.message, /^line 4: <\/Query> closes <Plan>/);
  });
  it('a log without a plan entry is not a plan', () => {
    const err = failure('2024-05-01 12:00:00.123 UTC [1234] LOG:  duration: 0.4 ms  statement: SELECT 1\n');
    assert.match(err.message, /^line 1: /);
  });
});
