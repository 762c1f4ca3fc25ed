/** Argument parsing and input resolution of the CLI, in process (the bundle is exercised in cli.test.ts). */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, UsageError } from '../../../src/cli/args';
import { chooseStatement, resolveSchemaFiles } from '../../../src/cli/inputs';
import { sessionTarget } from '../../../src/cli/runStatement';
import { failOnExitCode } from '../../../src/cli/exitCodes';
import type { Insight } from '../../../src/core/insights/insight';

const tty = { isTty: true, env: {} };

describe('CLI arguments', () => {
  it('reads explain with repeatable --param and the safety options', () => {
    const r = parseCliArgs(
      [
        'explain',
        '--url',
        'postgres://x@h/db',
        '--param',
        '1',
        '--param',
        'b',
        '--no-analyze',
        '--timeout',
        '500',
        'SELECT',
        '$1,',
        '$2',
      ],
      tty,
    );
    assert.equal(r.command, 'explain');
    assert.deepEqual(r.sql, { kind: 'inline', text: 'SELECT $1, $2' });
    assert.deepEqual(r.database.params, ['1', 'b']);
    assert.equal(r.database.analyze, false);
    assert.equal(r.database.timeoutMs, 500);
    assert.equal(r.colour, true);
  });

  it('turns colour off for NO_COLOR, --no-color and a non-terminal', () => {
    assert.equal(parseCliArgs(['plan', 'p.json'], { isTty: true, env: { NO_COLOR: '1' } }).colour, false);
    assert.equal(parseCliArgs(['plan', 'p.json', '--no-color'], tty).colour, false);
    assert.equal(parseCliArgs(['plan', 'p.json'], { isTty: false, env: {} }).colour, false);
  });

  it('refuses options a command does not take, bad numbers and bad severities', () => {
    assert.throws(
      () => parseCliArgs(['plan', 'p.json', '--url', 'x'], tty),
      (e: unknown) => e instanceof UsageError && /plan does not take --url/.test(e.message),
    );
    assert.throws(() => parseCliArgs(['explain', '--timeout', '-3', 'SELECT 1'], tty), UsageError);
    assert.throws(() => parseCliArgs(['explain', '--statement', 'two', '--file', 'q.sql'], tty), UsageError);
    assert.throws(() => parseCliArgs(['explain', '--fail-on', 'error', 'SELECT 1'], tty), /info, warning or critical/);
    assert.throws(() => parseCliArgs(['explain', '--file', 'q.sql', 'SELECT 1'], tty), /not both/);
    assert.throws(() => parseCliArgs(['frobnicate'], tty), /Unknown command/);
    assert.throws(() => parseCliArgs(['report', '--plan', 'p.json', 'SELECT 1'], tty), /either --plan or a statement/);
  });

  it('chooses the server from --url or PG* variables, else the embedded database', () => {
    const db = parseCliArgs(['explain', 'SELECT 1'], tty).database;
    assert.deepEqual(sessionTarget({ ...db, url: 'postgres://h/db' }, {}).target, {
      kind: 'server',
      connectionString: 'postgres://h/db',
    });
    assert.deepEqual(sessionTarget(db, { PGHOST: 'db.internal' }).target, { kind: 'server' });
    const demo = sessionTarget(db, { PGUSER: 'me' });
    assert.equal(demo.demo, true);
    assert.equal(demo.target.kind, 'embedded');
    assert.equal(sessionTarget({ ...db, embedded: true }, { PGHOST: 'db.internal' }).target.kind, 'embedded');
  });

  it('exits 2 only at or above the --fail-on severity', () => {
    const insight = (severity: Insight['severity']): Insight => ({
      ruleId: 'hotspot',
      severity,
      nodeIds: [],
      title: 't',
      explanation: 'e',
      evidence: [],
    });
    assert.equal(failOnExitCode([insight('info')], 'warning'), 0);
    assert.equal(failOnExitCode([insight('info'), insight('critical')], 'warning'), 2);
    assert.equal(failOnExitCode([insight('warning')], 'warning'), 2);
    assert.equal(failOnExitCode([insight('critical')], undefined), 0);
  });
});

describe('CLI inputs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pg-tuner-inputs-'));
    mkdirSync(join(dir, 'db/migrations'), { recursive: true });
    writeFileSync(join(dir, 'db/migrations/002_orders.sql'), 'CREATE TABLE orders (id int);');
    writeFileSync(join(dir, 'db/migrations/001_users.sql'), 'CREATE TABLE users (id int);');
    writeFileSync(join(dir, 'db/migrations/notes.md'), '# not SQL');
    writeFileSync(join(dir, 'db/seed.sql'), 'INSERT INTO users VALUES (1);');
    writeFileSync(join(dir, 'q.sql'), "SELECT 1;\n-- second\nSELECT ';' AS semi;\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a directory, a glob and a file to sorted .sql files', () => {
    const fromDir = resolveSchemaFiles(['db'], dir).map((f) => f.path);
    assert.deepEqual(fromDir, ['db/migrations/001_users.sql', 'db/migrations/002_orders.sql', 'db/seed.sql']);
    const fromGlob = resolveSchemaFiles(['db/migrations/*.sql'], dir).map((f) => f.path);
    assert.deepEqual(fromGlob, ['db/migrations/001_users.sql', 'db/migrations/002_orders.sql']);
    const deep = resolveSchemaFiles(['db/**/*.sql'], dir).map((f) => f.path);
    assert.deepEqual(deep, fromDir);
    const file = resolveSchemaFiles(['db/seed.sql'], dir);
    assert.equal(file[0].text, 'INSERT INTO users VALUES (1);');
    assert.throws(() => resolveSchemaFiles(['db/*.psql'], dir), /No schema files match/);
    assert.throws(() => resolveSchemaFiles(['nowhere'], dir), /does not exist/);
  });

  it('picks a statement by number and keeps its place in the file', () => {
    const source = { kind: 'file' as const, path: join(dir, 'q.sql') };
    assert.throws(() => chooseStatement(source, undefined), /holds 2 statements/);
    const second = chooseStatement(source, 2);
    assert.equal(second.text, "SELECT ';' AS semi");
    assert.equal(second.sourceText.slice(second.startInSource, second.startInSource + second.text.length), second.text);
    assert.throws(() => chooseStatement(source, 3), /out of range/);
    assert.throws(() => chooseStatement({ kind: 'file', path: join(dir, 'missing.sql') }, undefined), /no such file/);
  });
});
