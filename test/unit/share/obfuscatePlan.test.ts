import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan } from '../../../src/core/plan/planNode';
import { obfuscatePlan } from '../../../src/core/share/obfuscatePlan';
import { loadParser } from '../../../src/core/sql/parser';
import { testServer } from '../../helpers/globalServer';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';
import { COMPARE_SQL, realPlans, type RealPlans } from '../compare/realPlans';

/** Names that must not appear as a word anywhere in the output (in a JSON plan: in any value; keys are EXPLAIN's). */
function assertNoneSurvives(output: string, words: string[]): void {
  const text = /^\s*[[{]/.test(output) ? stringValues(JSON.parse(output)).join('\n') : output;
  for (const w of words) {
    const re = new RegExp(`(^|[^A-Za-z0-9_])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`, 'i');
    const m = re.exec(text);
    assert.equal(m, null, `"${w}" survived: …${m ? text.slice(Math.max(0, m.index - 60), m.index + 60) : ''}…`);
  }
}

function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringValues);
  return [];
}

const FIGURES = [
  'Startup Cost',
  'Total Cost',
  'Plan Rows',
  'Plan Width',
  'Actual Startup Time',
  'Actual Total Time',
  'Actual Rows',
  'Actual Loops',
  'Rows Removed by Filter',
  'Shared Hit Blocks',
  'Shared Read Blocks',
  'Temp Written Blocks',
  'Sort Space Used',
  'Hash Batches',
  'Heap Fetches',
];

/** Same tree, same node types, same figures, same totals. */
function assertSameShape(a: Plan, b: Plan): void {
  assert.equal(b.nodes.length, a.nodes.length);
  for (const n of a.nodes) {
    const m = b.nodes[n.id];
    assert.equal(m.fields['Node Type'], n.fields['Node Type'], `node ${n.id}`);
    assert.equal(m.parentId, n.parentId);
    assert.equal(m.children.length, n.children.length);
    for (const f of FIGURES) assert.equal(m.fields[f], n.fields[f], `${f} of node ${n.id}`);
    assert.equal(m.fields['Parent Relationship'], n.fields['Parent Relationship']);
    assert.equal(m.fields['Join Type'], n.fields['Join Type']);
    assert.equal(m.fields['Sort Method'], n.fields['Sort Method']);
    assert.equal(m.metrics.exclusiveTimeMs, n.metrics.exclusiveTimeMs);
  }
  assert.equal(b.executionTimeMs, a.executionTimeMs);
  assert.equal(b.planningTimeMs, a.planningTimeMs);
  assert.deepEqual(b.totals, a.totals);
}

/** One original name always gets one stand-in, and two names never share one. */
function assertConsistent(a: Plan, b: Plan, field: string): void {
  const forward = new Map<unknown, unknown>();
  const backward = new Map<unknown, unknown>();
  for (const n of a.nodes) {
    const v = n.fields[field];
    if (v === undefined) continue;
    const w = b.nodes[n.id].fields[field];
    assert.notEqual(w, v, `${field} ${String(v)} kept`);
    if (forward.has(v)) assert.equal(forward.get(v), w);
    if (backward.has(w)) assert.equal(backward.get(w), v);
    forward.set(v, w);
    backward.set(w, v);
  }
}

describe('obfuscatePlan', function () {
  this.timeout(120_000);
  let plans: RealPlans;
  let verbose: { json: string; text: string; names: string[]; literals: string[]; sql: string };

  before(async () => {
    await loadParser();
    const server = await testServer();
    plans = await realPlans(server.url);
    verbose = await verbosePlans(server.url);
  });

  it('renames every schema name and literal of a real JSON plan, keeps every figure and node type', () => {
    for (const raw of [plans.before, plans.after, plans.joinOrderA]) {
      const out = obfuscatePlan(raw, { sql: COMPARE_SQL });
      assert.equal(out.format, 'json');
      assertNoneSurvives(out.text, [...plans.names, ...plans.literals]);
      assertNoneSurvives(out.sql ?? '', [...plans.names, ...plans.literals]);
      const a = parsePlan(raw);
      const b = parsePlan(out.text);
      assertSameShape(a, b);
      for (const f of ['Relation Name', 'Alias', 'Index Name']) assertConsistent(a, b, f);
      assert.ok(b.nodes.some((n) => /^table_\d+$/.test(String(n.fields['Relation Name']))));
      assert.equal(b.settings?.work_mem, a.settings?.work_mem, 'settings values are kept');
    }
  });

  it('uses one stand-in per name across fields, expressions and the SQL', () => {
    const out = obfuscatePlan(plans.before, { sql: COMPARE_SQL });
    const plan = parsePlan(out.text);
    const scan = plan.nodes.find((n) => n.fields['Node Type'] === 'Seq Scan')!;
    const alias = String(scan.fields['Alias']);
    const table = String(scan.fields['Relation Name']);
    assert.equal(out.names.orders, table);
    assert.equal(out.names.o, alias);
    assert.match(alias, /^alias_\d+$/);
    const filter = String(scan.fields['Filter']);
    assert.match(filter, new RegExp(`\\(${out.names.customer_id} < 'literal_\\d+'\\)`));
    assert.match(filter, /~~ 'literal_\d+'::text/, 'casts to built-in types stay');
    assert.match(out.sql ?? '', new RegExp(`FROM ${table} ${alias}\\b`));
    assert.match(out.sql ?? '', new RegExp(`${alias}\\.${out.names.customer_id}\\b`));
    assert.match(out.sql ?? '', /^SELECT .*count\(\*\) AS column_\d+, sum\(/s, 'keywords and function names stay');
    assert.equal(out.literals['%gift%'], /LIKE '(literal_\d+)'/.exec(out.sql ?? '')?.[1]);
  });

  it('does the same for the text format, which still parses to the same tree', () => {
    const out = obfuscatePlan(plans.beforeText);
    assert.equal(out.format, 'text');
    assertNoneSurvives(out.text, [...plans.names, ...plans.literals]);
    const a = parsePlan(plans.beforeText);
    const b = parsePlan(out.text);
    assertSameShape(a, b);
    for (const f of ['Relation Name', 'Alias', 'Index Name']) assertConsistent(a, b, f);
    assert.match(out.text, /Sort Method: external merge {2}Disk: 112kB|Sort Method: external merge/);
    assert.equal(out.text.split('\n').length, plans.beforeText.split('\n').length);
  });

  it('leaves nothing of a VERBOSE plan with quoted names, keyword columns, a CTE and a user type', () => {
    for (const raw of [verbose.json, verbose.text]) {
      const out = obfuscatePlan(raw, { sql: verbose.sql });
      assertNoneSurvives(out.text, [...verbose.names, ...verbose.literals]);
      assertNoneSurvives(out.sql ?? '', [...verbose.names, ...verbose.literals]);
      assertSameShape(parsePlan(raw), parsePlan(out.text));
    }
  });

  it('takes a parsed Plan and gives JSON', () => {
    const plan = parsePlan(plans.after);
    const out = obfuscatePlan(plan);
    assert.equal(out.format, 'json');
    assertNoneSurvives(out.text, plans.names);
    assertSameShape(plan, parsePlan(out.text));
  });

  it('renames thousands of partitions consistently in a generated 2,000-node plan', () => {
    const raw = syntheticPlanJson(2000);
    const out = obfuscatePlan(raw);
    assert.doesNotMatch(out.text, /measurements_p|sensors|alarms|recorded_at/);
    const a = parsePlan(raw);
    const b = parsePlan(out.text);
    assertSameShape(a, b);
    assertConsistent(a, b, 'Relation Name');
  });
});

/** EXPLAIN (ANALYZE, VERBOSE, BUFFERS, SETTINGS) from the real server of a statement with awkward names. */
async function verbosePlans(
  url: string,
): Promise<{ json: string; text: string; names: string[]; literals: string[]; sql: string }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `DROP SCHEMA IF EXISTS "Sales Data" CASCADE; CREATE SCHEMA "Sales Data"; SET search_path = "Sales Data", public`,
    );
    await client.query(`CREATE TYPE item_kind AS ENUM ('giftbox', 'parcel')`);
    await client.query(
      `CREATE TABLE "Order Items" (item_no int PRIMARY KEY, name text NOT NULL, value int NOT NULL, kind item_kind NOT NULL)`,
    );
    await client.query(
      `INSERT INTO "Order Items" SELECT g, 'item ' || g, g % 97, (ARRAY['giftbox','parcel']::item_kind[])[1 + g % 2] FROM generate_series(1, 5000) g`,
    );
    await client.query(`CREATE INDEX items_by_value ON "Order Items" (value)`);
    await client.query(`ANALYZE "Order Items"`);
    const sql = `WITH pricey AS MATERIALIZED (SELECT * FROM "Order Items" WHERE value > 80)
SELECT p.name, count(*) AS how_many FROM pricey p
WHERE p.kind = 'giftbox'::item_kind AND p.name <> 'secret-sku'
GROUP BY p.name ORDER BY how_many DESC LIMIT 5`;
    const explain = async (format: string): Promise<string> => {
      const res = await client.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (ANALYZE, VERBOSE, BUFFERS, SETTINGS, FORMAT ${format}) ${sql}`,
      );
      return format === 'JSON'
        ? JSON.stringify(res.rows[0]['QUERY PLAN'], null, 2)
        : res.rows.map((r) => String(r['QUERY PLAN'])).join('\n');
    };
    const json = await explain('JSON');
    const text = await explain('TEXT');
    return {
      json,
      text,
      sql,
      names: [
        'Sales Data',
        'Order Items',
        'item_no',
        'value',
        'kind',
        'item_kind',
        'items_by_value',
        'pricey',
        'how_many',
        'name',
      ],
      literals: ['giftbox', 'secret-sku'],
    };
  } finally {
    await client.query('DROP SCHEMA IF EXISTS "Sales Data" CASCADE').catch(() => undefined);
    await client.end();
  }
}
