import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TunerError } from '../../../src/core/errors';
import { parsePlan } from '../../../src/core/plan/parsePlan';

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

const real = (name: string) => readFileSync(join(__dirname, '../../fixtures/plans/real', name), 'utf8');

describe('parsePlan errors', () => {
  it('empty input', () => {
    assert.match(failure('').message, /empty/);
    assert.match(failure('  \n\r\n ').message, /empty/);
  });
  it('text that is not a plan names its first line', () => {
    const err = failure('hello\nworld\n');
    assert.match(err.message, /^line 1: expected a plan node like 'Seq Scan on t {2}\(cost=…\)', got 'hello'/);
    assert.equal(err.detail.line, 1);
  });
  it('a bad line inside a text plan is named', () => {
    const text = 'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  Filter: (a > 1)\n  this is not a detail\n';
    const err = failure(text);
    assert.match(err.message, /^line 3: .*got 'this is not a detail'/);
    assert.equal(err.detail.line, 3);
  });
  it('JSON without a Plan object', () => {
    const err = failure('[{"Nope": 1}]');
    assert.equal(err.message, 'JSON has no "Plan" object at top level');
  });
  it('truncated JSON', () => {
    const json = real('06-hash-join.json');
    const err = failure(json.slice(0, Math.floor(json.length / 2)));
    assert.match(err.message, /truncated/);
    assert.ok((err.detail.line ?? 0) > 1);
  });
  it('malformed JSON names the line', () => {
    const err = failure('[\n  {\n    "Plan": {\n      "Node Type": "Seq Scan",,\n    }\n  }\n]');
    assert.match(err.message, /^line 4: not valid JSON/);
  });
  it('a JSON node without "Node Type"', () => {
    assert.match(
      failure('{"Plan": {"Plans": [{"Total Cost": 1}], "Node Type": "Limit"}}').message,
      /Plan\.Plans\[0\] has no "Node Type"/,
    );
  });
  it('text plan cut in the middle of a node line', () => {
    const text = real('08-nested-loop.txt');
    const cut = text.indexOf('(cost=', text.indexOf('->')) + 10;
    assert.match(failure(text.slice(0, cut)).message, /truncated/);
  });
  it('text plan cut between lines (a join with one input)', () => {
    const lines = real('06-hash-join.txt').split('\n');
    const inner = lines.findIndex((l) => l.includes('->  Hash  '));
    const err = failure(lines.slice(0, inner).join('\n'));
    assert.match(err.message, /truncated: 'Hash Join' \(line 1\) has 1 of its 2 inputs/);
  });
});
