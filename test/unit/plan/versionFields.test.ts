/**
 * Nothing PostgreSQL prints is lost, whatever its version: every key of a FORMAT JSON plan is either read into
 * the model (times, settings, query text) or kept under its own name (node fields; statement-level keys in
 * `statementFields`), and the text format of the same statement reads the fields that are new in 16–18
 * (Index Searches, Storage, Disabled, Window, Serialization, Planning memory) as the JSON does.
 * Checked on the plans of every version in test/fixtures/plans/versions (made by its generate.ts on real
 * servers), and live on the server of the run (`npm run test:versions` runs this file on 16, 17 and 18).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan } from '../../../src/core/plan/planNode';
import { testServer } from '../../helpers/globalServer';
import { createDatabase } from '../../helpers/testDatabase';
import { versionCases, versionExplainOptions, versionSetup } from '../../fixtures/plans/versions/versionCases';

const fixtureDir = join(__dirname, '../../fixtures/plans/versions');

type JsonNode = Record<string, unknown> & { Plans?: JsonNode[] };

/** The nodes of a FORMAT JSON document in pre-order, as the model numbers them. */
function jsonNodes(root: JsonNode): JsonNode[] {
  const out: JsonNode[] = [];
  const walk = (n: JsonNode): void => {
    out.push(n);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Statement-level keys the model reads into fields of its own, with where they went. */
const MODELLED_TOP: Record<string, (plan: Plan, value: unknown) => void> = {
  'Execution Time': (plan, v) => assert.equal(plan.executionTimeMs, v),
  'Planning Time': (plan, v) => assert.equal(plan.planningTimeMs, v),
  'Query Text': (plan, v) => assert.equal(plan.queryText, v),
  Settings: (plan, v) =>
    assert.deepEqual(
      plan.settings ?? {},
      Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)])),
    ),
};

/** Asserts that every key of the JSON plan `text` is in what parsePlan made of it. */
function assertNothingLost(text: string, what: string): Plan {
  const document = (JSON.parse(text) as Array<Record<string, unknown>>)[0];
  const plan = parsePlan(text);
  const nodes = jsonNodes(document['Plan'] as JsonNode);
  assert.equal(plan.nodes.length, nodes.length, `${what}: node count`);
  nodes.forEach((node, i) => {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Plans') continue;
      assert.deepEqual(
        plan.nodes[i].fields[key],
        value,
        `${what}: node ${i} (${String(node['Node Type'])}) lost "${key}"`,
      );
    }
  });
  // A 64-bit integer: JSON.parse above rounds it, so its digits are compared with the text's.
  const queryId = /"Query Identifier": (-?\d+)/.exec(text);
  if (queryId)
    assert.equal(String(plan.statementFields?.['Query Identifier']), queryId[1], `${what}: Query Identifier`);
  for (const [key, value] of Object.entries(document)) {
    if (key === 'Plan' || key === 'Query Identifier') continue;
    const modelled = MODELLED_TOP[key];
    if (modelled) modelled(plan, value);
    else assert.deepEqual(plan.statementFields?.[key], value, `${what}: statement-level "${key}" lost`);
  }
  return plan;
}

/** Node keys new in 16–18 that the text, YAML and XML readers must give the JSON's name and value. */
const VERSION_NODE_KEYS = ['Index Searches', 'Disabled', 'Storage', 'Maximum Storage', 'Window'];

/** The plan of the same statement in another format reads the same tree and the version-specific fields. */
function assertTextMatches(
  jsonText: string,
  textPlan: string,
  what: string,
  format: 'TEXT' | 'YAML' | 'XML' = 'TEXT',
): void {
  const json = parsePlan(jsonText);
  const text = parsePlan(textPlan);
  assert.equal(text.format, format.toLowerCase(), `${what}: read as ${format}`);
  const shape = (p: Plan): string[] => p.nodes.map((n) => `${n.depth} ${n.fields['Node Type']}`);
  assert.deepEqual(shape(text), shape(json), `${what}: text and JSON trees`);
  json.nodes.forEach((n, i) => {
    for (const key of VERSION_NODE_KEYS) {
      if (n.fields[key] === undefined) continue;
      // Text prints "Disabled: true" only; JSON says false on every other node.
      const inText = key === 'Disabled' ? (text.nodes[i].fields[key] ?? false) : text.nodes[i].fields[key];
      assert.deepEqual(inText, n.fields[key], `${what}: node ${i} "${key}" in text`);
    }
  });
  const queryId = /Query[ -]Identifier(?:: |>)(-?\d+)/.exec(textPlan);
  if (queryId)
    assert.equal(String(text.statementFields?.['Query Identifier']), queryId[1], `${what}: Query Identifier in text`);
  const top = json.statementFields ?? {};
  if (top['Serialization'] !== undefined)
    assert.ok(text.statementFields?.['Serialization'] !== undefined, `${what}: Serialization in text`);
  const planning = top['Planning'] as Record<string, unknown> | undefined;
  if (planning?.['Memory Used'] !== undefined) {
    const textPlanning = text.statementFields?.['Planning'] as Record<string, unknown> | undefined;
    // A second run: the figures may differ by a kB.
    if (format === 'TEXT')
      assert.match(
        String(textPlanning?.['Memory']),
        /^used=\d+kB\s+allocated=\d+kB$/,
        `${what}: planning memory in text`,
      );
    else assert.equal(typeof textPlanning?.['Memory Used'], 'number', `${what}: planning memory in ${format}`);
  }
}

function fixtureNames(): string[] {
  return readdirSync(fixtureDir)
    .filter((f) => /^pg\d+-.*\.json$/.test(f))
    .sort();
}

describe('plans of PostgreSQL 15–18 (fixtures): every field kept', () => {
  it('has fixtures of 15, 16, 17 and 18', () => {
    const majors = new Set(fixtureNames().map((f) => f.slice(2, 4)));
    assert.deepEqual([...majors].sort(), ['15', '16', '17', '18']);
  });

  for (const name of fixtureNames()) {
    it(`${name}: every JSON key is modelled or kept; the text plan reads the same`, () => {
      const jsonText = readFileSync(join(fixtureDir, name), 'utf8');
      assertNothingLost(jsonText, name);
      assertTextMatches(jsonText, readFileSync(join(fixtureDir, name.replace(/\.json$/, '.txt')), 'utf8'), name);
    });
  }

  it('the fixtures hold the fields each version adds', () => {
    const has = (major: number, re: RegExp): boolean =>
      fixtureNames()
        .filter((f) => f.startsWith(`pg${major}-`))
        .some((f) => re.test(readFileSync(join(fixtureDir, f), 'utf8')));
    for (const major of [17, 18]) {
      assert.ok(has(major, /"Serialization"/), `${major}: SERIALIZE`);
      assert.ok(has(major, /"Memory Used"/), `${major}: MEMORY`);
      assert.ok(
        has(major, /"Deform"|"Generation": \{/) || !has(major, /"JIT"/),
        `${major}: JIT deform timing, where JIT ran`,
      );
    }
    assert.ok(has(16, /\$1\b/), '16: a generic plan');
    for (const re of [/"Index Searches"/, /"Disabled": true/, /"Window"/, /"Storage"/])
      assert.ok(has(18, re), `18: ${re}`);
    assert.ok(!has(15, /"Serialization"|"Memory Used"|"Index Searches"/), '15 prints none of them');
  });
});

describe('plans of the run’s server (live): every field kept', function () {
  this.timeout(120_000);
  let client: Client;
  let versionNum = 0;
  before(async () => {
    const s = await testServer();
    versionNum = s.versionNum;
    client = new Client({ connectionString: await createDatabase(s, 'version_fields_test') });
    await client.connect();
    for (const stmt of versionSetup) await client.query(stmt);
  });
  after(async () => {
    await client?.end();
  });

  async function explain(
    sql: string,
    options: string[],
    settings: string[],
    format: 'JSON' | 'TEXT' | 'YAML' | 'XML',
  ): Promise<string> {
    await client.query('BEGIN');
    try {
      for (const s of settings) await client.query(`SET LOCAL ${s}`);
      // The server's text as it is, as the tuner reads it (pg would parse JSON and round a 64-bit Query Identifier).
      const r = await client.query<Record<string, string>>({
        text: `EXPLAIN (${[...options, `FORMAT ${format}`].join(', ')}) ${sql}`,
        types: { getTypeParser: () => (v: string) => v },
      });
      return r.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await client.query('ROLLBACK');
    }
  }

  for (const c of versionCases) {
    it(`${c.name}: the tuner's EXPLAIN options run, and nothing of the plan is lost`, async function () {
      if (c.since !== undefined && versionNum < c.since * 10000) this.skip();
      const options = versionExplainOptions(versionNum, c);
      const json = await explain(c.sql, options, c.settings ?? [], 'JSON');
      const text = await explain(c.sql, options, c.settings ?? [], 'TEXT');
      assertNothingLost(json, c.name);
      assertTextMatches(json, text, c.name);
      for (const format of ['YAML', 'XML'] as const) {
        assertTextMatches(json, await explain(c.sql, options, c.settings ?? [], format), `${c.name} ${format}`, format);
      }
      if (versionNum >= 170000 && !c.generic) {
        const top = (JSON.parse(json) as Array<Record<string, unknown>>)[0];
        assert.ok(
          top['Serialization'] !== undefined &&
            (top['Planning'] as Record<string, unknown>)['Memory Used'] !== undefined,
        );
      }
    });
  }
});
