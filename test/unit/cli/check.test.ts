/**
 * `pg-tuner check` from the built bundle (dist/cli.js) over test/fixtures/check (migrations, a queries.sql
 * and a small .ts service): on the embedded database loaded from the migrations, then on the real test
 * server with baselines and an index dropped. The SARIF is validated against the SARIF 2.1.0 JSON schema
 * (shipped by @microsoft/jest-sarif, draft-04: validated with ajv-draft-04); action.yml is read with js-yaml.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';
import type { Log } from 'sarif';
import { parseCliArgs } from '../../../src/cli/args';
import type { BaselineEntry } from '../../../src/core/check/baseline';
import type { CheckResult } from '../../../src/core/check/checkResult';
import { checkRules } from '../../../src/core/check/checkRules';
import { planRules } from '../../../src/core/insights/planRules';
import { sqlRules } from '../../../src/core/insights/sqlRules';
import { buildBundles, repoRoot, runCli } from '../../helpers/cliBundle';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../helpers/testDatabase';

const fixture = join(repoRoot, 'test/fixtures/check');
const schemaPath = join(repoRoot, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

/** 1-based line and column of the first `needle` in the fixture file. */
function positionOf(path: string, needle: string): { line: number; column: number } {
  const text = readFileSync(join(fixture, path), 'utf8');
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function validateSarif(log: unknown): void {
  // The schema's `language` pattern is not valid as a unicode RegExp; it was written for ECMAScript's plain mode.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
}

/** Findings as "path:line:column rule", to compare with the fixture's positions. */
function places(result: CheckResult): string[] {
  return result.findings
    .map((f) => `${f.location.path}:${f.location.startLine}:${f.location.startColumn} ${f.ruleId}`)
    .sort();
}

describe('pg-tuner check (built bundle)', function () {
  this.timeout(300_000);
  let work: string;

  before(() => {
    buildBundles();
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-check-'));
    cpSync(fixture, join(work, 'app'), { recursive: true });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const run = (args: string[]) => runCli(['check', ...args], { cwd: work });

  it('the SARIF rules cover every SQL and plan rule of the insight tables', () => {
    for (const rule of [...sqlRules, ...planRules])
      assert.ok(rule.id in checkRules, `${rule.id} has no check rule metadata`);
  });

  it('on the embedded database: static findings, a broken statement and a failing one as findings at their file, line and column; valid SARIF', async () => {
    const sarifPath = join(work, 'out.sarif');
    const r = await run(['app', '--schema', 'app/migrations', '--sarif', sarifPath, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as CheckResult;
    assert.deepEqual(result.files, ['app/queries.sql', 'app/src/orderService.ts']);
    assert.equal(result.database?.kind, 'embedded');
    const notIn = positionOf('queries.sql', 'id NOT IN');
    const form = positionOf('queries.sql', 'FORM');
    const nickname = positionOf('queries.sql', 'nickname');
    const tsBroken = positionOf('src/orderService.ts', '= 1');
    const leftJoin = positionOf('src/orderService.ts', 'SELECT o.id');
    assert.deepEqual(
      places(result),
      [
        `app/queries.sql:${form.line}:${form.column} syntax-error`,
        `app/queries.sql:${nickname.line}:${nickname.column} statement-error`,
        `app/queries.sql:${notIn.line}:${notIn.column} not-in-subquery`,
        `app/src/orderService.ts:${leftJoin.line}:${leftJoin.column} left-join-nullified`,
        `app/src/orderService.ts:${tsBroken.line}:${tsBroken.column} syntax-error`,
      ].sort(),
    );
    // Every statement but the two syntax errors was planned; the prose string of the service is no statement.
    assert.equal(result.statements.length, 8);
    assert.equal(result.statements.filter((s) => s.explained).length, 5);
    assert.ok(!result.statements.some((s) => /Select a user/.test(s.sql)));

    const log = JSON.parse(readFileSync(sarifPath, 'utf8')) as Log;
    validateSarif(log);
    const [sarifRun] = log.runs;
    const ruleIds = (sarifRun.tool.driver.rules ?? []).map((rule) => rule.id);
    assert.deepEqual(ruleIds, Object.keys(checkRules));
    const notInResult = sarifRun.results?.find((x) => x.ruleId === 'not-in-subquery');
    assert.ok(notInResult);
    assert.equal(notInResult.level, 'warning');
    assert.equal(ruleIds[notInResult.ruleIndex ?? -1], 'not-in-subquery');
    assert.deepEqual(notInResult.locations?.[0].physicalLocation?.artifactLocation, {
      uri: 'app/queries.sql',
      uriBaseId: '%SRCROOT%',
    });
    assert.equal(notInResult.locations?.[0].physicalLocation?.region?.startLine, notIn.line);
    assert.equal(notInResult.locations?.[0].physicalLocation?.region?.startColumn, notIn.column);
    const broken = sarifRun.results?.find(
      (x) =>
        x.locations?.[0].physicalLocation?.artifactLocation?.uri === 'app/src/orderService.ts' &&
        x.ruleId === 'syntax-error',
    );
    assert.equal(broken?.level, 'error');
    assert.equal(broken?.locations?.[0].physicalLocation?.region?.startLine, tsBroken.line);
  });

  it('a SARIF log that breaks the schema is refused by the validator (the check can fail)', () => {
    assert.throws(() => validateSarif({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }));
  });

  it('--markdown: a table of the findings for a pull-request comment; --fail-on warning exits 2 naming the statement', async () => {
    const r = await run(['app/queries.sql', '--schema', 'app/migrations', '--markdown', '--fail-on', 'warning']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stdout,
      /^## PostgreSQL query check\n\n5 statement\(s\) in 1 file\(s\); 3 explained \(estimate only\) on the embedded database \(migrations\)\.\n/,
    );
    assert.match(
      r.stdout,
      /^\| 🔴 error \| `syntax-error` The statement does not parse\. \| `app\/queries\.sql:9:10` \| Syntax error: syntax error at or near "FORM" \|$/m,
    );
    assert.match(
      r.stdout,
      /^\| 🟠 warning \| `not-in-subquery` .* \| `app\/queries\.sql:5:7` \| NOT IN \(subquery\) on id/m,
    );
    assert.match(
      r.stderr,
      /--fail-on: not-in-subquery at app\/queries\.sql:5:7 \(SELECT id, name FROM users WHERE id NOT IN \(SELECT user_id FROM orders\)\)/,
    );
  });

  it('a --fail-on it cannot read is a usage error', async () => {
    const r = await run(['app', '--fail-on', 'regression:cost>1x']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /cost>2x/);
  });

  it("action.yml's check script, run by bash as the runner does: the flags reach pg-tuner, the Markdown goes to the job summary, the exit code to the step output", () => {
    const action = load(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
      runs: { steps: Array<{ id?: string; run?: string }> };
    };
    const script = action.runs.steps.find((step) => step.id === 'check')?.run;
    assert.ok(script);
    const output = join(work, 'github-output');
    const summary = join(work, 'github-summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    execFileSync('bash', ['-e', '-c', script], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        PGT_ACTION_PATH: repoRoot,
        PGT_PATHS: 'app/queries.sql app/src',
        PGT_SCHEMA: 'app/migrations',
        PGT_URL: '',
        PGT_BASELINE: '',
        PGT_FAIL_ON: 'critical',
        PGT_SARIF: 'action.sarif',
        PGT_MARKDOWN: 'action.md',
      },
      stdio: 'pipe',
    });
    assert.equal(readFileSync(output, 'utf8'), 'exit-code=2\n');
    assert.match(
      readFileSync(summary, 'utf8'),
      /^## PostgreSQL query check\n\n8 statement\(s\) in 2 file\(s\); 5 explained/,
    );
    validateSarif(JSON.parse(readFileSync(join(work, 'action.sarif'), 'utf8')));
  });

  describe('on the test server (--url) with baselines', () => {
    const database = 'pg_tuner_check';
    let url: string;

    before(async () => {
      const server = await testServer();
      url = await createDatabase(server, database);
      await runSql(url, readFileSync(join(fixture, 'migrations/001_users_orders.sql'), 'utf8'));
      await runSql(
        url,
        `
        INSERT INTO users (id, email, name) SELECT g, 'u' || g || '@example.com', 'user ' || g FROM generate_series(1, 20000) g;
        INSERT INTO orders (id, user_id, status, total) SELECT g, 1 + g % 20000, 'paid', g % 500 FROM generate_series(1, 200000) g;
        ANALYZE users; ANALYZE orders;`,
      );
    });
    after(async () => dropDatabase(await testServer(), database));

    it('writes one baseline per statement; after the index is dropped, --fail-on regression:cost>2x exits 2 naming the statement', async () => {
      const plans = join(work, 'plans');
      const first = await run([
        'app',
        '--url',
        url,
        '--baseline',
        plans,
        '--update-baseline',
        '--fail-on',
        'regression:cost>2x',
        '--json',
      ]);
      assert.equal(first.code, 0, first.stderr);
      const firstResult = JSON.parse(first.stdout) as CheckResult;
      assert.equal(firstResult.database?.kind, 'server');
      assert.ok(!firstResult.findings.some((f) => f.ruleId.startsWith('plan-regression')));
      // The migrations are in the checked folder here (no --schema): their DDL has no plan and is no finding.
      const ddl = firstResult.statements.filter((s) => s.location.path === 'app/migrations/001_users_orders.sql');
      assert.equal(ddl.length, 3);
      assert.ok(ddl.every((s) => !s.explained));
      assert.deepEqual(
        firstResult.findings.filter((f) => f.location.path.startsWith('app/migrations')),
        [],
      );
      const files = readdirSync(plans);
      // The statements that were explained: on PostgreSQL 15 a statement with $n has no generic plan, so fewer than embedded.
      assert.equal(
        files.length,
        new Set(firstResult.statements.filter((s) => s.explained).map((s) => s.fingerprint)).size,
      );
      const byUser = firstResult.statements.find((s) => s.sql === 'SELECT id, total FROM orders WHERE user_id = 7');
      assert.ok(byUser?.explained);
      const entry = JSON.parse(readFileSync(join(plans, `${byUser.fingerprint}.json`), 'utf8')) as BaselineEntry;
      assert.deepEqual(entry.source, {
        path: 'app/queries.sql',
        line: positionOf('queries.sql', 'SELECT id, total').line,
      });
      assert.match(JSON.stringify(entry.plan), /orders_user_id_idx/);

      // Unchanged: compared, nothing regressed, nothing rewritten.
      const again = await run(['app', '--url', url, '--baseline', plans, '--fail-on', 'regression:cost>2x', '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.ok((JSON.parse(again.stdout) as CheckResult).statements.some((s) => s.baseline === 'compared'));

      await runSql(url, 'DROP INDEX orders_user_id_idx; ANALYZE orders;');
      const sarifPath = join(work, 'regression.sarif');
      const after = await run([
        'app',
        '--url',
        url,
        '--baseline',
        plans,
        '--fail-on',
        'regression:cost>2x',
        '--sarif',
        sarifPath,
        '--json',
      ]);
      assert.equal(after.code, 2, after.stderr);
      assert.match(
        after.stderr,
        /--fail-on: plan-regression-cost at app\/queries\.sql:\d+:1 \(SELECT id, total FROM orders WHERE user_id = 7\): Estimated cost \d+(\.\d)?× the baseline/,
      );
      const regressions = (JSON.parse(after.stdout) as CheckResult).findings.filter((f) =>
        f.ruleId.startsWith('plan-regression'),
      );
      assert.deepEqual(regressions.map((f) => f.ruleId).sort(), ['plan-regression-cost', 'plan-regression-seq-scan']);
      assert.match(
        regressions.find((f) => f.ruleId === 'plan-regression-seq-scan')?.message ?? '',
        /^Seq Scan on orders was (Index|Bitmap Heap) Scan .* in the baseline \(table of about 200,000 rows\)\.$/,
      );
      validateSarif(JSON.parse(readFileSync(sarifPath, 'utf8')));
      // A spill or a Seq Scan alone does not fail a run that asked for the cost only: the same run with a higher ratio passes.
      const lenient = await run(['app', '--url', url, '--baseline', plans, '--fail-on', 'regression:cost>100000x']);
      assert.equal(lenient.code, 0, lenient.stderr);
      assert.ok(existsSync(join(plans, `${byUser.fingerprint}.json`)));
    });

    it('a sort that outgrows work_mem after the table grew is a spill regression (--fail-on regression:spill exits 2)', async () => {
      const reports = join(work, 'reports');
      mkdirSync(reports);
      writeFileSync(join(reports, 'users.sql'), 'SELECT id, email, name FROM users ORDER BY name, email;\n');
      const plans = join(work, 'spill-plans');
      const first = await run([
        'reports',
        '--url',
        url,
        '--baseline',
        plans,
        '--update-baseline',
        '--fail-on',
        'regression:spill',
        '--json',
      ]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(readdirSync(plans).length, 1);

      // 20,000 users sort in memory (about 0.8 MB); 400,000 need about 14 MB, beyond work_mem's default 4 MB.
      await runSql(
        url,
        `INSERT INTO users (id, email, name) SELECT g, 'u' || g || '@example.com', 'user ' || g FROM generate_series(20001, 400000) g; ANALYZE users;`,
      );
      const after = await run([
        'reports',
        '--url',
        url,
        '--baseline',
        plans,
        '--fail-on',
        'regression:spill',
        '--json',
      ]);
      assert.equal(after.code, 2, after.stderr);
      const spill = (JSON.parse(after.stdout) as CheckResult).findings.find(
        (f) => f.ruleId === 'plan-regression-spill',
      );
      assert.match(
        spill?.message ?? '',
        /^Sort is expected to spill to disk \(about \d+(\.\d)? MB estimated, over work_mem 4\.0 MB\); it fit in the baseline\.$/,
      );
      assert.match(
        after.stderr,
        /--fail-on: plan-regression-spill at reports\/users\.sql:1:1 \(SELECT id, email, name FROM users ORDER BY name, email\)/,
      );
    });
  });
});

describe('action.yml', () => {
  interface ActionStep {
    name?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, string>;
  }
  interface Action {
    inputs: Record<string, { description: string; default?: string }>;
    runs: { using: string; steps: ActionStep[] };
  }
  const action = load(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as Action;

  it('is a composite action that installs, checks and uploads the SARIF with codeql-action/upload-sarif', () => {
    assert.equal(action.runs.using, 'composite');
    assert.match(action.runs.steps[0].run ?? '', /npm ci/);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.equal(upload?.with?.sarif_file, '${{ inputs.sarif }}');
  });

  it('maps each tool input to a check flag that the CLI accepts', () => {
    const step = action.runs.steps.find((s) => s.run?.includes('dist/cli.js'));
    assert.ok(step?.env && step.run);
    const flags: Record<string, string> = {};
    for (const m of step.run.matchAll(/add (--[a-z-]+) "\$(PGT_[A-Z_]+)"/g)) {
      const input = /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(step.env[m[2]] ?? '')?.[1];
      assert.ok(input, `${m[2]} comes from an input`);
      flags[input] = m[1];
    }
    assert.deepEqual(flags, {
      schema: '--schema',
      url: '--url',
      baseline: '--baseline',
      'fail-on': '--fail-on',
      sarif: '--sarif',
      markdown: '--out',
    });
    for (const input of Object.keys(action.inputs)) {
      assert.ok(input in flags || ['paths', 'upload-sarif', 'category'].includes(input), `input ${input} is used`);
    }
    const samples: Record<string, string> = {
      '--schema': 'db/migrations',
      '--url': 'postgres://u@localhost/db',
      '--baseline': 'plans',
      '--fail-on': 'warning,regression:cost>2x',
      '--sarif': 'out.sarif',
      '--out': 'out.md',
    };
    const argv = [
      'check',
      'src',
      ...Object.values(flags).flatMap((flag) => (flag === '--schema' ? [] : [flag, samples[flag]])),
    ];
    const request = parseCliArgs(argv, { isTty: false, env: {} });
    assert.equal(request.check?.sarifPath, 'out.sarif');
    assert.equal(request.check?.thresholds.costRatio, 2);
    assert.equal(request.out, 'out.md');
    assert.equal(
      parseCliArgs(['check', 'src', '--schema', 'db/migrations'], { isTty: false, env: {} }).database.schema[0],
      'db/migrations',
    );
  });
});
